"""The walkthrough as a test: a subscriber's pages at 390 px and the staff order page, orders list
and dashboard at 1280 px, each saved as a screenshot in test-artifacts/journey/; the test fails if
any of them scrolls sideways, shows an English word in the Chinese pages, logs a console error
or breaks the content security policy."""

import re

import pytest
from django_tenants.utils import schema_context

from orders.models import Order
from tests.support.browser import WATCH_CSP, fill_checkout, sign_up, staff_sign_in, to_checkout
from tests.support.language import data_words, english_words, visible_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"


class Watch:
    """Console errors, page errors and CSP violations of one browser context."""

    def __init__(self, context):
        context.add_init_script(WATCH_CSP)
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    data: set[str] = set()

    def check(self, name: str, folder, problems: dict) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        found = []
        if (overflow := page.evaluate(OVERFLOW)) > 0:
            found.append(f"scrolls sideways by {overflow}px")
        if words := english_words(visible_text(page.content()), self.data):
            found.append(f"English: {sorted(words)}")
        if violations := page.evaluate("() => window.__csp || []"):
            found.append(f"CSP: {violations}")
        if self.errors:
            found.append(f"errors: {self.errors}")
            self.errors.clear()
        if found:
            problems[name] = found


def test_every_page_of_the_walkthrough_is_clean(browser, web_server, celery_worker_process, artifacts, tmp_path):
    folder = artifacts / "journey"
    folder.mkdir(exist_ok=True)
    base = f"http://alpha.localhost:{web_server}"
    problems: dict[str, list[str]] = {}
    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    Watch.data = data_words()
    phone = Watch(phone_context)
    page = phone.page
    for name, path in [
        ("01-home", "/"),
        ("02-numbers", "/numbers/"),
        ("03-plans", "/catalogue/plans/"),
        ("04-login", "/me/login/"),
        ("05-not-found", "/no-such-page/"),
    ]:
        page.goto(base + path)
        phone.errors = [e for e in phone.errors if "404" not in e]  # the missing page's own status
        phone.check(name, folder, problems)
    mobile = sign_up(page, base)
    phone.check("06-me", folder, problems)
    for name, slug in [
        ("07-offer-sim", "sim-1"),
        ("08-offer-broadband", "broadband-1"),
        ("09-offer-phone", "phone-1"),
        ("10-offer-addon", "addon-1"),
    ]:
        page.goto(f"{base}/offers/{slug}/")
        phone.check(name, folder, problems)
    for name, path in [("11-top-up", "/topup/"), ("12-renew", "/broadband/renew/"), ("13-deposit", "/deposit/")]:
        page.goto(base + path)
        phone.check(name, folder, problems)
    to_checkout(page, base)
    phone.check("14-checkout", folder, problems)
    fill_checkout(page, mobile)
    page.get_by_test_id("place-order").click()
    page.wait_for_url(re.compile(r"/sim/pay/"))
    page.get_by_test_id("sim-pay").click()
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    phone.check("15-order", folder, problems)
    camera = page.locator("[data-camera]")
    if camera.is_visible():  # headless Chromium has no camera: the button says so instead of nothing
        camera.click()
    page.locator("[data-camera-note]").wait_for(state="visible")
    assert page.locator("[data-camera]").is_hidden()
    order_number = page.get_by_test_id("order-number").inner_text()
    page.goto(f"{base}/orders/")
    phone.check("16-orders", folder, problems)
    page.goto(f"{base}/tickets/")
    phone.check("17-tickets", folder, problems)
    phone_context.close()

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = Watch(staff_context)
    page = staff.page
    staff_sign_in(page, base)
    with schema_context("c_alpha"):
        order_pk = Order.objects.get(number=order_number).pk
    for name, path in [
        ("S1-orders", "/admin/orders/order/"),
        ("S2-order", f"/admin/orders/order/{order_pk}/change/"),
        ("S3-dashboard", "/admin/dashboard/"),
    ]:
        page.goto(base + path)
        staff.check(name, folder, problems)
    staff_context.close()
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())
