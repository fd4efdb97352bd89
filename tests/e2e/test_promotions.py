"""A subscriber at 390 px claims a coupon from the home page's coupon card, finds it in 我的 → 卡券,
puts a phone in the cart and sees the discount line with its reason, checks out, and the order
page shows the discount."""

import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from orders.models import Order
from tests.support import promotions as make
from tests.support.browser import fill_address, sign_up
from tests.support.clients import in_own_connection

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
REASON = "E2E 领券立减 ¥10"


def _set_up() -> tuple[int, dict | None]:
    """Committed (the server reads them): a live promotion with a claimable batch, and the home
    page showing its coupon card; returns the batch and the home page it replaced."""
    from storefront.decoration.render import live

    with schema_context("c_alpha"):
        before = live("home")
        promotion = make.coupon_promotion(name="E2E 立减", description=REASON, reward_value=Decimal("10"))
        batch = make.batch(promotion, name="E2E 立减券", total=1000, per_person=5)
        make.home_with_coupon(batch.pk, "E2E 领券")
        return batch.pk, (before or {}).get("document")


def _tidy(batch_id: int, home: dict | None) -> None:
    from promotions.models import CouponBatch, Promotion
    from storefront.decoration import services
    from storefront.decoration.models import Page

    with schema_context("c_alpha"):  # later journeys see the shop as it was
        Promotion.objects.filter(batches__pk=batch_id).update(status=Promotion.Status.ENDED)
        CouponBatch.objects.get(pk=batch_id).promotion.save()  # a new catalogue generation
        services.publish_document(Page.Kind.HOME, "home", "首页", home or {"schema_version": 1, "sections": []})


def test_claim_a_coupon_and_check_out_with_its_discount(phone, web_server, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    batch_id, home = in_own_connection(_set_up)
    try:
        mobile = sign_up(phone, base)
        phone.goto(f"{base}/")
        card = phone.get_by_test_id("coupon-block")
        assert "E2E 领券" in card.inner_text() and "¥10" in card.get_by_test_id("coupon-reward").inner_text()
        with phone.expect_navigation():
            card.get_by_test_id("coupon-claim").click()
        phone.screenshot(path=str(artifacts / "promotions-claimed.png"), full_page=True)

        phone.goto(f"{base}/me/")
        phone.get_by_test_id("tile-wallet").click()
        phone.wait_for_url(f"{base}/me/coupons/")
        mine = phone.get_by_test_id("wallet-coupon")
        assert mine.count() == 1 and "E2E 立减券" in mine.inner_text()
        phone.screenshot(path=str(artifacts / "promotions-wallet.png"), full_page=True)

        phone.goto(f"{base}/offers/phone-1/")
        phone.get_by_test_id("add-to-cart").click()
        phone.wait_for_url(f"{base}/cart/")
        line = phone.get_by_test_id("discount-line")
        assert REASON in line.inner_text() and "−¥10" in line.inner_text()
        phone.screenshot(path=str(artifacts / "promotions-cart.png"), full_page=True)

        phone.get_by_test_id("checkout").click()
        phone.wait_for_url(f"{base}/checkout/")
        assert REASON in phone.get_by_test_id("price-breakdown").inner_text()
        fill_address(phone, mobile)
        phone.get_by_test_id("place-order").click()
        phone.wait_for_url(re.compile(r"/sim/pay/|/orders/\d+/$"))

        with schema_context("c_alpha"):
            order = Order.objects.filter(user__username=mobile).latest("pk")
            assert [(d.name, d.amount) for d in order.discounts.all()] == [(REASON, Decimal("10.00"))]
        phone.goto(f"{base}/orders/{order.number}/")
        shown = phone.get_by_test_id("order-discount")
        assert REASON in shown.inner_text() and "−¥10" in shown.inner_text()
        phone.screenshot(path=str(artifacts / "promotions-order.png"), full_page=True)
    finally:
        in_own_connection(lambda: _tidy(batch_id, home))
