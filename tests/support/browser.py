"""Steps and watchers the browser tests share: from a number to the checkout page, filling the
checkout form, and the CSP-violation recorder."""

from __future__ import annotations

import re

from tests.support.clients import STAFF_PASSWORD

# Collected before any page script runs (Playwright's init scripts are not subject to the page's CSP).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push([e.violatedDirective, e.blockedURI || "inline", e.sourceFile, e.lineNumber,
                            e.sample].join(" ")));
"""


def to_checkout(phone, base) -> str:
    phone.goto(f"{base}/numbers/?offer=sim-1")
    phone.get_by_test_id("number").first.locator("button").click()
    phone.wait_for_url(re.compile(r"/numbers/held/\d{11}/"))
    number = re.search(r"/numbers/held/(\d{11})/", phone.url).group(1)
    phone.get_by_test_id("add-sim-to-cart").click()
    phone.wait_for_url(f"{base}/cart/")
    phone.get_by_test_id("checkout").click()
    phone.wait_for_url(f"{base}/checkout/")
    return number


def fill_checkout(phone, mobile, name="张三", id_number=None) -> str:
    """Returns the ID number typed: one of its own unless given (a browser's orders are committed,
    and the registry's five numbers per ID count across tests)."""
    from tests.support.orders import fresh_id

    id_number = id_number or fresh_id().lower()  # a lower-case x is accepted too
    phone.fill("input[name=holder_name]", name)
    phone.fill("input[name=holder_id_number]", id_number)
    fill_address(phone, mobile)
    if phone.locator("input[name=accept_terms]").count():
        phone.check("input[name=accept_terms]")
    for box in phone.locator("input[name=agreements]").all():  # one per SIM
        box.check()
    return id_number


def fill_address(phone, mobile) -> None:
    """The delivery address of the checkout form, as a subscriber picks it."""
    phone.fill("input[name=recipient]", "张三")
    phone.fill("input[name=contact_phone]", mobile)
    phone.select_option("select[name=province]", "广东省")
    # the cascading picker: city then district fill from the province (shop.js, divisions.json)
    phone.locator("select[name=city] option[value=广州市]").wait_for(state="attached")
    phone.select_option("select[name=city]", "广州市")
    phone.select_option("select[name=district]", "天河区")
    phone.fill("input[name=address_detail]", "天河路 100 号 5 楼")


def staff_sign_in(page, base: str, next_path: str = "/admin/") -> None:
    """The carrier's staff account signs in through the admin's real form and lands on `next_path`."""
    page.goto(f"{base}/admin/login/?next={next_path}")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{base}{next_path}")


def sign_up(phone, base: str) -> str:
    """A new subscriber signs up in the browser with a code texted to a fresh number (another
    carrier's: nothing is bound); returns the number (also the username)."""
    import random

    from django_tenants.utils import schema_context

    from tests.support.telecom import sent_code

    mobile = f"139{random.randrange(10**8):08d}"
    phone.goto(f"{base}/me/signup/")
    phone.get_by_test_id("sign-in-number").fill(mobile)
    phone.get_by_test_id("send-code").click()
    phone.get_by_test_id("code-input").wait_for()
    with schema_context("c_alpha"):
        code = sent_code(mobile)
    phone.get_by_test_id("code-input").fill(code)
    phone.get_by_test_id("verify-code").click()
    phone.wait_for_url(f"{base}/me/")
    return mobile
