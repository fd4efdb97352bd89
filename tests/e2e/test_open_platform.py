"""A marketplace places an order through TMF622 for its customer; the customer opens the payment
link on a phone (390 px), pays on the simulated cashier without an account, and the link's page
shows the order paid."""

import json
import re
import urllib.request
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from orders.models import Order
from tests.support.clients import in_own_connection
from tests.support.promotions import device_offer
from tests.support.tmf import device_order, partner_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def _set_up() -> tuple[int, int, str]:
    with schema_context("c_alpha"):
        offer, variant = device_offer(Decimal("299"))
        _token, secret = partner_token("order:read", "order:write", username="e2e-mall")
        return offer.pk, variant.pk, secret


def _place(port: int, body: dict, secret: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/tmf-api/productOrderingManagement/v4/productOrder",
        data=json.dumps(body).encode(),
        headers={
            "Host": f"alpha.localhost:{port}",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {secret}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 201
        return json.load(answer)


def _tidy(offer_id: int) -> None:
    """Later journeys see alpha's shop as it was: the phone goes off sale (the order stays, as
    orders do; a worker may be carrying it on)."""
    from catalog.models import Offer

    with schema_context("c_alpha"):
        offer = Offer.objects.get(pk=offer_id)
        offer.status = Offer.Status.OFF_SALE
        offer.save()  # a new catalogue generation: cached pages drop it


def test_customer_pays_a_partner_order_by_its_link(phone, web_server, artifacts):
    offer_id, variant_id, secret = in_own_connection(_set_up)
    try:
        _journey(phone, web_server, artifacts, offer_id, variant_id, secret)
    finally:
        in_own_connection(lambda: _tidy(offer_id))


def _journey(phone, web_server, artifacts, offer_id: int, variant_id: int, secret: str) -> None:
    placed = _place(web_server, device_order(offer_id, variant_id), secret)
    link = placed["payment"][0]["href"]
    assert placed["state"] == "acknowledged" and "/pay/" in link
    path = link.split("/orders/", 1)[1]
    phone.goto(f"http://alpha.localhost:{web_server}/orders/{path}")
    card = phone.get_by_test_id("pay-link")
    assert "¥299" in card.inner_text() and placed["id"] in card.inner_text()
    phone.screenshot(path=str(artifacts / "open-platform-pay-link.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_test_id("pay-link-pay").click()
    phone.wait_for_url(re.compile(r"/sim/pay/"))
    phone.get_by_test_id("sim-pay").click()
    phone.wait_for_url(re.compile(r"/orders/\d+/pay/"))
    assert phone.get_by_test_id("pay-link-status").inner_text() in ("已支付", "处理中", "已发货", "已完成")

    def paid() -> bool:
        with schema_context("c_alpha"):
            return Order.objects.get(number=placed["id"]).paid_at is not None

    assert in_own_connection(paid)
