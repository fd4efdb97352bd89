"""Outbox test data: subscriptions, orders and their events, committed (workers read them) in a
carrier of the test's own, and what the deliveries look like afterwards."""

from __future__ import annotations

import uuid

from django_tenants.utils import tenant_context

from tests.support.clients import in_own_connection

# moves that set off no reaction (orders/reactions.py): events and nothing else
SHIPPING = ("shipped", "delivered", "completed")


def own_carrier(slug: str):
    """A carrier of its own (committed, no catalogue), made once and reused."""
    from tenants.models import Carrier
    from tenants.services import CarrierSpec, create_carrier

    def make():
        return Carrier.objects.filter(slug=slug).first() or create_carrier(
            CarrierSpec(slug=slug, name="奥米伽通信", admin_password="Staff-pass-2026")
        )

    return in_own_connection(make)


def committed(carrier, work):
    """`work()` in the carrier's schema, in a connection of its own, committed."""

    def run():
        with tenant_context(carrier):
            return work()

    return in_own_connection(run)


def webhook(topics=("order.state_changed",), *, url: str) -> tuple[int, str]:
    """A staff webhook (in the current schema); its id and secret."""
    from integrations.hub_api import new_secret
    from integrations.models import Subscription

    secret = new_secret()
    sub = Subscription.objects.create(kind="webhook", callback=url, query=",".join(topics), secret=secret)
    return sub.pk, secret


def shipping_order(user=None):
    """An order in fulfilment (current schema) whose next moves have no reactions."""
    from django.contrib.auth.models import User

    from orders.models import Order

    user = user or User.objects.create_user(f"o{uuid.uuid4().hex[:10]}")
    key = uuid.uuid4().hex[:12]
    return Order.objects.create(
        number=f"W{key}", user=user, kind="device", status="in_fulfilment", idempotency_key=f"outbox:{key}"
    )


def ship(order, moves=SHIPPING) -> None:
    """Each move in its own transaction, as the pipeline makes them."""
    from orders.events import Action
    from orders.states import transition

    for to in moves:
        transition(order.pk, to, Action.NOTE, reason="outbox test")


def deliveries(sub_id: int) -> list[tuple[int, str, int]]:
    """(event id, status, attempts) of a subscription's deliveries, in event order."""
    from integrations.models import Delivery

    return list(
        Delivery.objects.filter(subscription_id=sub_id)
        .order_by("event_id")
        .values_list("event_id", "status", "attempts")
    )


def clean(carrier) -> None:
    """Remove every subscription and event of the carrier (committed tests leave nothing behind)."""
    from integrations.models import OutboxEvent, Subscription

    def wipe():
        Subscription.objects.all().delete()
        OutboxEvent.objects.all().delete()

    committed(carrier, wipe)
