"""Staff recolour the shop and add a banner, preview, publish; subscribers see both; rollback
brings the old look back. Screenshots of two carriers' home pages are kept as artefacts."""

import io

import pytest
from PIL import Image

from tests.support.browser import staff_sign_in
from tests.support.clients import CARRIER_A, HOME_NOTICE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def _rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def _banner_png(tmp_path):
    path = tmp_path / "banner.png"
    buffer = io.BytesIO()
    Image.new("RGB", (750, 300), "#FF6F00").save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _header_colour(page):
    return page.eval_on_selector(".shop-header", "el => getComputedStyle(el).backgroundColor")


def test_recolour_add_banner_preview_publish_and_roll_back(browser, web_server, artifacts, tmp_path):
    base = f"http://alpha.localhost:{web_server}"
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    staff_sign_in(staff, base)

    staff.goto(f"{base}/admin/decoration/theme/")
    staff.fill("input[name=primary]", "#6a1b9a")
    staff.get_by_test_id("save-theme").click()
    staff.get_by_test_id("publish-theme").click()
    assert staff.locator(".messagelist").inner_text().startswith("已发布")

    staff.goto(f"{base}/admin/decoration/images/")
    staff.fill("input[name=title]", "双十二横幅")
    staff.set_input_files("input[name=image]", str(_banner_png(tmp_path)))
    staff.locator("form.decoration-form button[type=submit]").click()

    staff.goto(f"{base}/admin/decoration/home/")
    staff.get_by_test_id("add-banner").click()
    staff.select_option("select[name=item1_image]", label="双十二横幅")
    staff.fill("input[name=item1_alt]", "双十二大促")
    staff.fill("input[name=item1_link]", "route:catalogue")
    staff.get_by_test_id("save-block").click()
    preview = staff.frame_locator("[data-testid=preview-frame]")
    assert preview.locator("img[alt=双十二大促]").is_visible()
    staff.get_by_test_id("publish").click()

    shopper = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN").new_page()
    shopper.goto(f"{base}/")
    assert _header_colour(shopper) == _rgb("#6a1b9a")
    assert shopper.locator("img[alt=双十二大促]").is_visible()
    assert shopper.get_by_text(HOME_NOTICE).is_visible()
    shopper.screenshot(path=str(artifacts / "home-alpha-decorated.png"), full_page=True)

    staff.goto(f"{base}/admin/decoration/home/versions/")
    staff.get_by_test_id("restore-1").click()
    staff.goto(f"{base}/admin/decoration/theme/versions/")
    staff.get_by_test_id("restore-1").click()
    shopper.goto(f"{base}/")
    assert _header_colour(shopper) == _rgb(CARRIER_A["primary"])
    assert shopper.locator("img[alt=双十二大促]").count() == 0
    assert shopper.get_by_text(HOME_NOTICE).is_visible()


def test_two_carriers_home_pages_look_different(phone, web_server, artifacts):
    colours = {}
    for slug in ("alpha", "beta"):
        phone.goto(f"http://{slug}.localhost:{web_server}/")
        colours[slug] = _header_colour(phone)
        phone.screenshot(path=str(artifacts / f"home-{slug}-phone.png"), full_page=True)
    assert colours["alpha"] != colours["beta"]
