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


def test_every_message_has_a_chinese_translation_and_the_catalogue_is_compiled(tmp_path):
    """No msgid left untranslated or fuzzy in zh-hans, and the .mo the server loads is the .po."""
    import subprocess
    from pathlib import Path

    po = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgfmt", "--statistics", "-o", str(tmp_path / "django.mo"), str(po)],
                            capture_output=True, text=True, check=True)
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    assert (tmp_path / "django.mo").read_bytes() == po.with_suffix(".mo").read_bytes()


def test_words_with_two_meanings_have_their_own_translation():
    """The admin once called orders 顺序, every "Change" 切换 and a running step 导入中."""
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    from catalog.inventory.models import NumberImport, TierRule
    from orders.models import FulfilmentStep, Order

    with translation.override("zh-hans"):
        assert str(Order._meta.verbose_name) == "订单"
        assert str(TierRule._meta.get_field("position").verbose_name) == "顺序"
        assert str(FulfilmentStep.Status.RUNNING.label) == "进行中"
        assert str(NumberImport.Status.RUNNING.label) == "导入中"
        assert gettext("Change") == "修改" and pgettext("switch the city", "Change") == "切换"
