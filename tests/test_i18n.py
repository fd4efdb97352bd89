"""zh-hans by default whatever the browser asks for; English when the visitor chooses it."""


def test_chinese_is_the_default_even_for_english_browsers(client_a):
    page = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "首页" in page and "选号" in page and "购物车" in page and "我的" in page


def test_visitor_can_switch_to_english_and_back(client_a):
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client_a.get("/").content.decode()
    assert '<html lang="en">' in page and "Home" in page and "Cart" in page and "首页" not in page
    client_a.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "首页" in client_a.get("/").content.decode()


def test_unknown_language_falls_back_to_chinese(client_a):
    client_a.cookies["django_language"] = "xx"
    assert '<html lang="zh-hans">' in client_a.get("/").content.decode()
