"""Read queries for order pages and the API."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from core.phone import MOBILE_NUMBER
from orders.models import Order, OrderEvent, OrderLine, Ticket, TicketEvent
from tenants import ports
from tenants.gateways import UnknownAdapter
from tenants.gateways.bss import BssError

ADDRESS_FIELDS = ("recipient", "contact_phone", "province", "city", "district", "address_detail")


def my_orders(user: User):
    return Order.objects.filter(user=user).prefetch_related("lines").order_by("-created_at", "-pk")


def address_initial(user: User) -> dict:
    """Checkout starts from the address of the subscriber's last posted order."""
    last = Order.objects.filter(user=user).exclude(address_detail="").order_by("-created_at").first()
    return {f: getattr(last, f) for f in ADDRESS_FIELDS} if last else {}


def timeline(order: Order, staff: bool = False):
    events = OrderEvent.objects.filter(order=order)
    return events if staff else events.filter(public=True)


def own_number(user: User) -> str:
    """The signed-in subscriber's own mobile number (accounts are named by it), or ""."""

    username = getattr(user, "username", "") or ""
    return username if MOBILE_NUMBER.match(username) else ""


def current_balance(number: str) -> Decimal | None:
    """The number's balance at the carrier's BSS; None when it is not the carrier's or the BSS
    does not answer (the page then simply shows no balance)."""

    if not MOBILE_NUMBER.match(number or ""):
        return None
    try:
        return ports.bss().balance(number)
    except (BssError, UnknownAdapter):
        return None


def new_numbers(order: Order) -> list[str]:
    """The numbers the order sells (its number-fee lines). Read through `order.lines.all()`, so an
    order whose lines are prefetched (a fulfilment run) asks the database nothing."""
    return [line.number for line in order.lines.all() if line.category == OrderLine.Category.NUMBER_FEE]


def my_order(user: User, number: str) -> Order:
    """The subscriber's own order by its number; anyone else's is not found (404), never refused."""
    return get_object_or_404(Order.objects.select_related("identity"), number=number, user=user)


def my_tickets(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(user=user).select_related("order")


def my_ticket(user: User, pk: int) -> Ticket:
    return get_object_or_404(Ticket.objects.select_related("order"), pk=pk, user=user)


def ticket_events_for_subscriber(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's history without staff's internal notes."""
    return ticket.events.filter(internal=False)
