"""A subscriber on a phone searches numbers by tail, picks one, sees the hold countdown and puts
the SIM card with that number in the cart."""

import re

import pytest
from django_tenants.utils import schema_context

from numberpool.models import MobileNumber

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_search_pick_countdown_and_cart(phone, web_server, artifacts):
    with schema_context("c_alpha"):
        number = MobileNumber.objects.filter(status="available").order_by("-pk").values_list("number", flat=True)[0]
    base = f"http://alpha.localhost:{web_server}"
    phone.goto(f"{base}/numbers/?offer=sim-1")
    assert phone.get_by_test_id("number").count() == 20  # a random selection first
    phone.fill("input[name=tail]", number[-4:])
    phone.get_by_test_id("search-numbers").click()
    phone.wait_for_url(re.compile(rf"tail={number[-4:]}"))
    display = f"{number[:3]} {number[3:7]} {number[7:]}"
    phone.locator(f"button[name=number][value='{number}']").click()
    phone.wait_for_url(re.compile(rf"/numbers/held/{number}/"))
    assert phone.get_by_test_id("held-number").inner_text() == display
    countdown = phone.get_by_test_id("countdown")
    assert re.match(r"保留剩余 1[45]:\d\d", countdown.inner_text())
    first = countdown.inner_text()
    phone.wait_for_timeout(1500)
    assert countdown.inner_text() != first  # it counts down
    phone.screenshot(path=str(artifacts / "number-held.png"), full_page=True)
    phone.get_by_test_id("add-sim-to-cart").click()
    phone.wait_for_url(f"{base}/cart/")
    assert display in phone.get_by_test_id("cart-number").inner_text()
    assert "需要选号" not in phone.locator("main").inner_text()
