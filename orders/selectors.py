"""Read queries for order pages and the API."""
from __future__ import annotations

from .models import Order, OrderEvent

ADDRESS_FIELDS = ("recipient", "contact_phone", "province", "city", "district", "address_detail")


def my_orders(user):
    return Order.objects.filter(user=user).prefetch_related("lines").order_by("-created_at", "-pk")


def address_initial(user) -> dict:
    """Checkout starts from the address of the subscriber's last posted order."""
    last = Order.objects.filter(user=user).exclude(address_detail="").order_by("-created_at").first()
    return {f: getattr(last, f) for f in ADDRESS_FIELDS} if last else {}


def timeline(order: Order, staff: bool = False):
    events = OrderEvent.objects.filter(order=order)
    return events if staff else events.filter(public=True)
