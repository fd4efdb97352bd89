"""Giving back what an order kept: its numbers (after a cool-off), the ID's claims on them, and
its stock. Closing, cancelling, fulfilment's compensation and tickets all call down into here."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from catalog import services as catalog_services
from numberpool import holds
from orders import discounts
from orders.events import Action, record
from orders.models import Order
from orders.selectors import new_numbers
from realname.registry import services as registry
from tenants.gateways import current_carrier


def give_back(order: Order) -> None:
    """Return what the order kept from others: its numbers (after a cool-off), its stock, and its
    promotions (budget, uses, coupons)."""
    released = holds.release(order.hold_owner, settings.HALL_NUMBER_COOLOFF_MINUTES)
    carrier = current_carrier()
    registry.release(carrier.slug, f"{carrier.slug}:{order.number}")  # the ID's claims on them too
    if released:
        record(
            order,
            Action.NUMBER_RELEASED,
            data={"numbers": released, "cooloff_minutes": settings.HALL_NUMBER_COOLOFF_MINUTES},
        )
    restore_stock(order)
    discounts.release(order)


def restore_stock(order: Order) -> None:
    """Put back the stock the order reserved (its goods never left the warehouse)."""
    lines = order.lines.exclude(variant=None).order_by("variant_id")  # one lock order: no deadlock
    for variant_id, quantity in lines.values_list("variant_id", "quantity"):
        catalog_services.return_stock(variant_id, quantity)


def unsell_numbers(order: Order, key: str):
    """After a cancellation: the sold numbers rest, then return to the pool."""
    for number in new_numbers(order):
        holds.recycle(number, order.hold_owner, dt.timedelta(minutes=settings.HALL_NUMBER_COOLOFF_MINUTES))
    carrier = current_carrier()
    registry.release(carrier.slug, f"{carrier.slug}:{order.number}")


def release_after_refund(order: Order) -> None:
    """Give back what an order that never left the warehouse kept: numbers, stock and promotions."""
    unsell_numbers(order, key=f"{order.number}:cancel")
    restore_stock(order)
    discounts.release(order)
