"""Two carriers' home pages in real headless Chromium on a phone viewport."""

import pytest

from tests.support.clients import CARRIER_A, CARRIER_B

# django_db: pytest-django sets up the test database only when a collected test asks for it.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def _rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


@pytest.mark.parametrize("carrier", [CARRIER_A, CARRIER_B], ids=lambda c: c["slug"])
def test_home_page_shows_the_carriers_name_and_colour(phone, web_server, artifacts, carrier):
    response = phone.goto(f"http://{carrier['slug']}.localhost:{web_server}/")
    assert response.status == 200
    assert phone.get_by_test_id("carrier-name").inner_text() == carrier["name"]
    header_colour = phone.eval_on_selector(".shop-header", "el => getComputedStyle(el).backgroundColor")
    assert header_colour == _rgb(carrier["primary"])
    tab_bar = phone.locator("nav.tab-bar")
    assert tab_bar.is_visible()
    assert tab_bar.bounding_box()["y"] + tab_bar.bounding_box()["height"] <= 844 + 1  # pinned to the bottom
    for label in ("首页", "分类", "选号", "购物车", "我的"):
        assert tab_bar.get_by_text(label).is_visible()
    phone.screenshot(path=str(artifacts / f"home-{carrier['slug']}.png"))


def test_language_switch_in_the_browser(phone, web_server):
    phone.goto(f"http://alpha.localhost:{web_server}/")
    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    assert phone.locator("nav.tab-bar").get_by_text("Cart").is_visible()
    assert phone.locator("html").get_attribute("lang") == "en"


def test_directory_links_to_a_carrier(phone, web_server):
    phone.goto(f"http://localhost:{web_server}/")
    phone.get_by_text(CARRIER_B["name"]).click()
    phone.wait_for_url(f"http://beta.localhost:{web_server}/")
    assert phone.get_by_test_id("carrier-name").inner_text() == CARRIER_B["name"]
