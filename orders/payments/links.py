"""Payment links: an order placed by a channel partner for a customer is paid by whoever holds its
link (the customer), without an account. The link names the carrier and the order, is signed, and
works only while the order waits for payment."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from orders.models import Order
from tenants.gateways import current_carrier

SALT = "hall.orders.pay-link"


def _subject(number: str) -> str:
    return f"{current_carrier().slug}:{number}"  # another carrier's link never verifies here


def pay_link(order: Order) -> str:
    token = signing.Signer(salt=SALT).sign(_subject(order.number)).rsplit(":", 1)[1]
    return current_carrier().public_url(reverse("order-pay-link", args=[order.number, token]))


def order_for_link(number: str, token: str) -> Order | None:
    try:
        signing.Signer(salt=SALT).unsign(f"{_subject(number)}:{token}")
    except signing.BadSignature:
        return None
    return Order.objects.filter(number=number).first()
