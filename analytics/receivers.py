"""Analytics listens; nothing imports it. The shop's order pages send `orders.signals` and
analytics turns them into funnel events (Oscar's analytics app subscribes the same way)."""

from __future__ import annotations

from django.http import HttpRequest

from analytics import capture
from orders import signals
from orders.models import CartLine, Order


def line_added(sender: type, *, request: HttpRequest, line: CartLine, **_kwargs: object) -> None:
    capture.record(request, "add_to_cart", offer_kind=line.offer.kind, page_id=line.offer.slug)


def checkout_started(sender: type, *, request: HttpRequest, offer_kind: str, **_kwargs: object) -> None:
    capture.record(request, "checkout_started", offer_kind=offer_kind)


def order_handed_to_payment(sender: type, *, request: HttpRequest, order: Order, **_kwargs: object) -> None:
    """The visitor who placed it: the dashboard's funnels count the order (placed, paid, done) for them."""
    if capture.counted(request):
        Order.objects.filter(pk=order.pk, visitor_id="").update(visitor_id=capture.visitor(request)[:32])


def connect() -> None:
    signals.line_added.connect(line_added, dispatch_uid="analytics.line_added")
    signals.checkout_started.connect(checkout_started, dispatch_uid="analytics.checkout_started")
    signals.order_handed_to_payment.connect(order_handed_to_payment, dispatch_uid="analytics.order_handed_to_payment")
