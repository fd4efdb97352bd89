"""Read queries for order pages and the API."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from orders.models import Order, OrderEvent

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


def live_signatures(order: Order) -> dict[str, str]:
    """A short fingerprint of what each live section of the order page shows: the page swaps a
    section in when its fingerprint changes (the status, the verification and its choices, the
    monthly returns, the after-sales choices, the renewal)."""
    from orders import fulfilment
    from orders.aftersales import tickets

    verification = getattr(order, "verification", None)
    parts = {
        "head": order.status,
        "verification": (
            f"{order.status}:{verification.status}:{verification.reason}:{verification.attempts}:"
            f"{verification.identity_id}"
        )
        if verification
        else "",
        "payouts": ",".join(order.payouts.order_by("due_on").values_list("status", flat=True)),
        "aftersales": order.status
        + ":"
        + ",".join(tickets.kinds_for(order))
        + ":"
        + ",".join(f"{pk}{status}" for pk, status in order.tickets.values_list("pk", "status")),
        "renewed": str(fulfilment.new_expiry(order) or ""),
    }
    return {name: hashlib.blake2s(value.encode(), digest_size=6).hexdigest() for name, value in parts.items()}


def own_number(user) -> str:
    """The signed-in subscriber's own mobile number (accounts are named by it), or ""."""
    from core.phone import MOBILE_NUMBER

    username = getattr(user, "username", "") or ""
    return username if MOBILE_NUMBER.match(username) else ""


def current_balance(number: str) -> Decimal | None:
    """The number's balance at the carrier's BSS; None when it is not the carrier's or the BSS
    does not answer (the page then simply shows no balance)."""
    from core.phone import MOBILE_NUMBER
    from tenants import ports
    from tenants.gateways import UnknownAdapter
    from tenants.gateways.bss import BssError

    if not MOBILE_NUMBER.match(number or ""):
        return None
    try:
        return ports.bss().balance(number)
    except (BssError, UnknownAdapter):
        return None
