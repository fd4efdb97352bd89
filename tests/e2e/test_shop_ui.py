"""The shop's forms and screens at 390 px in real Chromium (issue 15 item 7): toasts, top-up
tiles with the balance, the SIM agreements, the cascading address picker, the sticky order bar,
dates that never wrap, and no horizontal overflow on any of these pages."""

import re

import pytest
from django_tenants.utils import schema_context

from orders.models import Order
from tenants.simulators.models import SimSubscriber
from tests.support.browser import fill_checkout, sign_up, to_checkout

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"
# A <time> that wrapped has more than one line box.
WRAPPED_TIMES = (
    "[...document.querySelectorAll('time')].filter(t => t.getClientRects().length > 1).map(t => t.textContent)"
)


def test_flash_messages_are_toasts_that_go_away_and_errors_stay_until_closed(phone, web_server, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    sign_up(phone, base)
    phone.goto(f"{base}/numbers/?offer=sim-1")
    phone.get_by_test_id("number").first.locator("button").click()
    phone.wait_for_url(re.compile(r"/numbers/held/\d{11}/"))
    phone.get_by_test_id("add-sim-to-cart").click()
    phone.wait_for_url(f"{base}/cart/")
    toast = phone.get_by_test_id("toast")
    assert toast.get_attribute("role") == "status" and "购物车" in toast.inner_text()
    assert toast.locator("button").is_visible()  # script shows the close button
    box = toast.bounding_box()
    assert box["y"] < 120 and phone.evaluate(NO_OVERFLOW)  # floats under the header
    phone.screenshot(path=str(artifacts / "toast.png"))
    toast.wait_for(state="detached", timeout=8000)  # gone by itself

    # an error (an unknown city) stays until it is closed
    phone.goto(f"{base}/catalogue/")
    phone.evaluate("""() => { const s = document.querySelector('select[name=city]');
        const o = document.createElement('option'); o.value = 'atlantis'; s.appendChild(o); s.value = 'atlantis';
        s.form.submit(); }""")
    phone.wait_for_load_state()
    error = phone.get_by_test_id("toast")
    assert error.get_attribute("role") == "alert"
    phone.wait_for_timeout(5000)
    assert error.is_visible()
    error.locator("button").click()
    error.wait_for(state="detached", timeout=3000)


def test_toasts_are_readable_without_script(browser, web_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        base = f"http://alpha.localhost:{web_server}"
        page.goto(f"{base}/numbers/?offer=sim-1")
        page.get_by_test_id("number").first.locator("button").click()
        page.wait_for_url(re.compile(r"/numbers/held/\d{11}/"))
        page.get_by_test_id("add-sim-to-cart").click()
        page.wait_for_url(f"{base}/cart/")
        toast = page.get_by_test_id("toast")
        assert "购物车" in toast.inner_text() and toast.is_visible()
        assert not toast.locator("button").is_visible()  # no script: no close button that does nothing
        page.wait_for_timeout(5000)
        assert toast.is_visible() and page.evaluate(NO_OVERFLOW)  # stays, in the page's flow
    finally:
        context.close()


def test_top_up_tiles_pick_an_amount_and_keep_other_balances_private(phone, web_server, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    mobile = sign_up(phone, base)
    with schema_context("c_alpha"):
        record = SimSubscriber.objects.filter(note="正常用户").first()
    phone.goto(f"{base}/topup/")
    assert phone.input_value("input[name=number]") == mobile  # my own number, pre-filled
    assert phone.get_by_test_id("balance").is_hidden()  # not a subscriber of this carrier (yet)
    tiles = phone.locator(".tile")
    assert tiles.count() == 7
    assert len({round(tiles.nth(i).bounding_box()["width"]) for i in range(7)}) == 1  # an even grid
    phone.get_by_test_id("tile-100").click()
    assert phone.locator("input[name=amount][value='100']").is_checked()
    phone.fill("input[name=number]", record.number)  # someone else's number: their balance is theirs
    phone.wait_for_load_state("networkidle")
    assert phone.get_by_test_id("balance").is_hidden()
    assert phone.evaluate(NO_OVERFLOW)
    phone.screenshot(path=str(artifacts / "top-up.png"), full_page=True)
    phone.fill("input[name=custom]", "88")  # typing an amount picks "other"
    assert phone.locator("input[name=amount][value=other]").is_checked()
    phone.get_by_test_id("tile-50").click()  # and a tile clears it again
    assert phone.input_value("input[name=custom]") == ""
    phone.get_by_test_id("top-up-pay").click()
    phone.wait_for_url(re.compile(r"/sim/pay/"))
    assert phone.get_by_test_id("sim-amount").inner_text() == "¥50"


def test_checkout_agreements_picker_sticky_bar_and_dates(phone, web_server, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    mobile = sign_up(phone, base)
    number = to_checkout(phone, base)
    assert phone.locator(".tab-bar").is_hidden()  # the order bar takes its place

    # the picker: cities of the province, then districts of the city
    phone.select_option("select[name=province]", "广东省")
    city = phone.get_by_test_id("picker-city")
    city.locator("option[value=深圳市]").wait_for(state="attached")
    assert city.locator("option[value=杭州市]").count() == 0
    assert phone.get_by_test_id("picker-district").is_disabled()  # no city yet
    phone.select_option("select[name=city]", "广州市")
    assert "天河区" in phone.get_by_test_id("picker-district").inner_text()
    phone.select_option("select[name=province]", "浙江省")
    assert phone.input_value("select[name=city]") == "" and "杭州市" in city.inner_text()
    assert phone.input_value("select[name=district]") == ""

    fill_checkout(phone, mobile)
    agree = phone.get_by_test_id(f"agree-{number}")
    agree.uncheck()
    phone.get_by_test_id("place-order").click()  # refused in the browser: the box is required
    phone.wait_for_timeout(500)
    assert phone.url == f"{base}/checkout/" and not agree.evaluate("el => el.validity.valid")
    assert phone.get_by_test_id("checkout-error").count() == 0  # nothing was sent

    # the bar: visible at the top of the page with the total, below the last field at the end
    bar = phone.get_by_test_id("checkout-bar")
    phone.evaluate("window.scrollTo(0, 0)")
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= 844 + 1 and box["y"] > 400
    assert phone.get_by_test_id("bar-total").inner_text() == phone.get_by_test_id("checkout-total").inner_text()
    assert "提交订单" in bar.inner_text()
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    phone.wait_for_timeout(200)
    last = agree.bounding_box()
    assert bar.bounding_box()["y"] >= last["y"] + last["height"]
    assert phone.evaluate(NO_OVERFLOW)
    agree.check()
    phone.evaluate("window.scrollTo(0, 0)")
    phone.screenshot(path=str(artifacts / "checkout.png"), full_page=True)
    phone.get_by_test_id("place-order").click()
    phone.wait_for_url(re.compile(r"/sim/pay/"))
    with schema_context("c_alpha"):
        order = Order.objects.filter(user__username=mobile).get()
        assert (order.province, order.city, order.district) == ("广东省", "广州市", "天河区")
        assert any(f"{number[:3]} {number[3:7]} {number[7:]}" in t for t in order.terms_accepted)

    # the order's pages: the new number in full, spaced; the contact phone masked; dates whole
    phone.goto(f"{base}/orders/{order.number}/")
    lines = " ".join(phone.get_by_test_id("order-line").all_inner_texts())
    assert f"{number[:3]} {number[3:7]} {number[7:]}" in lines
    assert f"{mobile[:3]}****{mobile[7:]}" in phone.locator("main").inner_text()
    assert phone.evaluate(WRAPPED_TIMES) == [] and phone.evaluate(NO_OVERFLOW)
    phone.goto(f"{base}/orders/")
    assert phone.locator("time").count() and phone.evaluate(WRAPPED_TIMES) == []
    height = phone.locator("time").first.bounding_box()["height"]
    line = phone.locator("time").first.evaluate("t => parseFloat(getComputedStyle(t).lineHeight)")
    assert height <= line * 1.2  # one line
    assert phone.evaluate(NO_OVERFLOW)
