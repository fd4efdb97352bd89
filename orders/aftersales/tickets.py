"""After-sales tickets: each kind has its own state machine, declared here; every change goes
through `move`, which locks the ticket, checks the kind's transitions, writes the state, appends
an event and texts the subscriber (internal notes stay internal).

- cancel: decided at once. Before shipment the order is cancelled and refunded; after, declined.
- refund: open → in_progress → resolved (the payment is refunded) or declined.
- return: open → approved (send the card back) → received → resolved (refunded; the number goes
  back to the pool after a cool-off); only for an unactivated card within the return window.
- replacement: open → in_progress (a new card is posted) → resolved.
- complaint: open → in_progress → resolved, or closed by the subscriber.
- fault: open → scheduled (technician booked for the chosen slot) → resolved.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from core.tenancy import current_schema
from integrations import outbox
from orders import notify
from orders.aftersales.cancellation import cancel_paid
from orders.aftersales.closing import CancelRefused
from orders.models import FulfilmentStep, Order, Ticket, TicketEvent
from orders.models import OrderStatus as OS
from orders.payments.services import PaymentError, refund_problem, request_refund
from orders.release import release_after_refund
from orders.selectors import new_numbers
from tenants import ports
from tenants.gateways.errors import GatewayError

log = logging.getLogger(__name__)
K, T = Ticket.Kind, Ticket.Status
DONE = {T.RESOLVED, T.REJECTED, T.CLOSED}

MACHINES: dict[str, dict[str, set[str]]] = {
    K.CANCEL: {T.OPEN: {T.RESOLVED, T.REJECTED}},
    K.REFUND: {T.OPEN: {T.IN_PROGRESS, T.REJECTED}, T.IN_PROGRESS: {T.RESOLVED, T.REJECTED}},
    K.RETURN: {T.OPEN: {T.APPROVED, T.REJECTED}, T.APPROVED: {T.RECEIVED, T.CLOSED}, T.RECEIVED: {T.RESOLVED}},
    K.REPLACEMENT: {T.OPEN: {T.IN_PROGRESS, T.REJECTED}, T.IN_PROGRESS: {T.RESOLVED}},
    K.COMPLAINT: {T.OPEN: {T.IN_PROGRESS, T.RESOLVED, T.CLOSED}, T.IN_PROGRESS: {T.RESOLVED, T.CLOSED}},
    K.FAULT: {T.OPEN: {T.SCHEDULED, T.REJECTED}, T.SCHEDULED: {T.RESOLVED, T.SCHEDULED}},
}
SLA_HOURS: dict[str, int] = {K.CANCEL: 2, K.REFUND: 24, K.RETURN: 48, K.REPLACEMENT: 48, K.COMPLAINT: 24, K.FAULT: 48}
RETURN_DAYS = 7
# What a subscriber may ask for about an order in each state.
OFFERED: dict[str, list[str]] = {
    OS.PAID: [K.CANCEL, K.COMPLAINT],
    OS.IN_FULFILMENT: [K.CANCEL, K.COMPLAINT],
    OS.SHIPPED: [K.RETURN, K.COMPLAINT],
    OS.DELIVERED: [K.RETURN, K.REPLACEMENT, K.COMPLAINT],
    OS.COMPLETED: [K.REFUND, K.REPLACEMENT, K.COMPLAINT],
    OS.NEEDS_ATTENTION: [K.REFUND, K.COMPLAINT],
}

# What fits an order of each kind at all: a renewal, a top-up or an add-on is done at the BSS the
# moment it is paid (nothing to cancel before shipment, no card to return or replace, not
# refundable once applied); a deposit-for-credit offer cannot be withdrawn during its campaign
# (活动期内不可退订). An order that needs attention may always be refunded: it was not delivered.
FITS: dict[str, set[str]] = {
    "new_sim": {K.CANCEL, K.REFUND, K.RETURN, K.REPLACEMENT, K.COMPLAINT},
    "device": {K.CANCEL, K.REFUND, K.RETURN, K.COMPLAINT},
    "broadband_install": {K.CANCEL, K.REFUND, K.COMPLAINT, K.FAULT},
    "broadband_renewal": {K.COMPLAINT, K.FAULT},
    "deposit_credit": {K.COMPLAINT},
    "top_up": {K.COMPLAINT},
    "addon": {K.COMPLAINT},
}
NEEDS_DESCRIPTION = {K.COMPLAINT}  # a complaint says what about


class TicketError(HallError):
    """The message is for the person asking."""


class IllegalTicketMove(TicketError):
    pass


def kinds_for(order: Order | None) -> list[str]:
    if order is None:
        return [K.COMPLAINT, K.FAULT]
    fits = FITS.get(order.kind, {K.COMPLAINT})
    kinds = [
        k for k in OFFERED.get(order.status, []) if k in fits or (k == K.REFUND and order.status == OS.NEEDS_ATTENTION)
    ]
    if K.RETURN in kinds and not return_allowed(order):
        kinds.remove(K.RETURN)
    if K.FAULT in fits and order.status in (OS.COMPLETED, OS.DELIVERED, OS.NEEDS_ATTENTION):
        kinds.append(K.FAULT)
    return kinds


def return_allowed(order: Order) -> bool:
    """A card not activated, and at most RETURN_DAYS since delivery (or not yet delivered)."""
    if order.steps.filter(step="activate", status=FulfilmentStep.Status.DONE).exists():
        return False
    delivered = order.events.filter(action="delivered").order_by("at").first()
    return delivered is None or delivered.at >= timezone.now() - dt.timedelta(days=RETURN_DAYS)


def fault_slots(now: datetime | None = None) -> list[dt.datetime]:
    """Bookable technician slots: the next three days, mornings and afternoons."""
    now = timezone.localtime(now or timezone.now())
    slots = []
    for day in range(1, 4):
        date = (now + dt.timedelta(days=day)).date()
        for hour in (9, 14):
            slots.append(timezone.make_aware(dt.datetime.combine(date, dt.time(hour))))
    return slots


def open_ticket(
    user: User,
    kind: str,
    *,
    order: Order | None = None,
    description: str = "",
    account: str = "",
    appointment_at: dt.datetime | None = None,
) -> Ticket:
    if kind not in kinds_for(order):
        raise TicketError(_("That request is not possible for this order now."))
    if order is not None and order.tickets.filter(kind=kind).exclude(status__in=DONE).exists():
        raise TicketError(_("A request of this kind is already open for this order."))
    if kind in NEEDS_DESCRIPTION and not (description or "").strip():
        raise TicketError(_("Tell us what happened, in a few words."))
    if kind == K.FAULT and appointment_at not in fault_slots():
        raise TicketError(_("Choose one of the offered appointment slots."))
    with transaction.atomic():  # the ticket, its first event and its outbox event together
        ticket = Ticket.objects.create(
            user=user,
            order=order,
            kind=kind,
            description=description[:1000].strip(),
            broadband_account=account[:20],
            appointment_at=appointment_at,
            sla_due_at=timezone.now() + dt.timedelta(hours=SLA_HOURS[kind]),
        )
        _event(ticket, "opened", actor=user, actor_label="subscriber", to_status=T.OPEN, note=ticket.description)
        outbox.emit("ticket.created", "ticket", ticket.pk, ticket)
    if kind == K.CANCEL:
        _decide_cancel(ticket)
    return Ticket.objects.get(pk=ticket.pk)


def _decide_cancel(ticket: Ticket) -> None:

    assert ticket.order is not None  # a cancellation ticket is opened on an order
    try:
        cancel_paid(ticket.order, actor=ticket.user, actor_label="subscriber", reason=_("after-sales request"))
    except (CancelRefused, PaymentError) as exc:
        move(ticket, T.REJECTED, note=str(exc))
        return
    move(ticket, T.RESOLVED, note=_("Cancelled; the payment is being refunded."))


def _event(
    ticket: Ticket,
    action,
    *,
    actor: User | None = None,
    actor_label: str = "system",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    internal: bool = False,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        actor=actor if actor and actor.pk else None,
        actor_label=actor_label,
        from_status=from_status,
        to_status=to_status,
        note=str(note)[:1000],
        internal=internal,
    )


@contextmanager
def _one_at_a_time(ticket_pk: int):
    """Moves of one ticket wait for each other, without a transaction held open: the carrier's
    systems are called between the check and the write, never while a row is locked."""
    key = f"ticket:{current_schema()}:{ticket_pk}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


def can_move(ticket: Ticket, to: str) -> bool:
    """Whether the ticket's kind allows moving from where it is to `to`."""
    return to in MACHINES[ticket.kind].get(ticket.status, set())


def move(ticket: Ticket, to: str, *, actor: User | None = None, actor_label: str = "system", note: str = "") -> Ticket:
    """The one way a ticket changes state (then the side effect its kind has for that state).
    Check, then the carrier's systems (keyed, so a repeat is harmless), then one short transaction
    that writes the state and what the move does in our own tables."""
    with _one_at_a_time(ticket.pk):
        ticket = Ticket.objects.select_related("order").get(pk=ticket.pk)
        if to not in MACHINES[ticket.kind].get(ticket.status, set()):
            raise IllegalTicketMove(
                _("A “%(kind)s” request cannot go from “%(from)s” to “%(to)s”.")
                % {"kind": ticket.get_kind_display(), "from": ticket.get_status_display(), "to": T(to).label}
            )
        done_outside = _at_the_carrier(ticket, to)
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            before = ticket.status
            ticket.status = to
            ticket.save(update_fields=["status", "updated_at"])
            _event(ticket, "moved", actor=actor, actor_label=actor_label, from_status=before, to_status=to, note=note)
            outbox.emit("ticket.state_changed", "ticket", ticket.pk, ticket)
            _in_our_tables(ticket, to, done_outside)
    if ticket.order is not None:
        notify.send(ticket.order, "ticket", ticket=ticket.code, status=T(to).label)
    return ticket


def _at_the_carrier(ticket: Ticket, to: str) -> dict:
    """What the move asks of the carrier's systems, before anything is written here; a refusal
    changes nothing (a refund that could not be made is found first)."""

    order = ticket.order
    if order is None:  # complaints and faults without an order ask nothing of the carrier
        return {}
    try:
        if ticket.kind in (K.REFUND, K.RETURN) and to == T.RESOLVED and (problem := refund_problem(order)):
            raise TicketError(problem)
        if ticket.kind == K.RETURN and to == T.RESOLVED:
            for number in new_numbers(order):
                ports.bss().release_number(number=number, key=f"{order.number}:return:{number}")
        elif ticket.kind == K.REPLACEMENT and to == T.IN_PROGRESS:
            shipment = ports.logistics().create_shipment(
                reference=ticket.code,
                recipient=order.recipient,
                phone=order.contact_phone,
                address=order.address_line,
                items=[_("replacement SIM card")],
                key=f"ticket:{ticket.pk}:ship",
            )
            return {"shipment": f"{shipment.courier} {shipment.tracking_no}"}
    except GatewayError as exc:
        raise TicketError(str(exc)) from exc
    return {}


def _in_our_tables(ticket: Ticket, to: str, done_outside: dict) -> None:
    order = ticket.order
    if order is None:  # complaints and faults without an order change nothing but the ticket
        return
    try:
        if ticket.kind == K.REFUND and to == T.RESOLVED:
            request_refund(order, actor_label="staff", reason=_("after-sales refund %(code)s") % {"code": ticket.code})
        elif ticket.kind == K.RETURN and to == T.RESOLVED:
            request_refund(order, actor_label="staff", reason=_("card returned (%(code)s)") % {"code": ticket.code})
            release_after_refund(order)
        elif "shipment" in done_outside:
            _event(ticket, "shipped", note=done_outside["shipment"])
    except PaymentError as exc:
        raise TicketError(str(exc)) from exc


def add_note(ticket: Ticket, author, text: str, *, internal: bool) -> TicketEvent:
    text = (text or "").strip()
    if not text:
        raise TicketError(_("Write something first."))
    return _event(
        ticket,
        "note",
        actor=author,
        actor_label="staff" if internal or author.is_staff else "subscriber",
        note=text,
        internal=internal,
    )


def escalate_overdue(now: datetime | None = None) -> int:
    """Beat: tickets past their answer time are escalated once (a supervisor's queue)."""
    now = now or timezone.now()
    overdue = Ticket.objects.exclude(status__in=DONE).filter(sla_due_at__lt=now, escalated_at__isnull=True)
    count = 0
    for ticket in overdue:
        if Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(escalated_at=now):
            _event(ticket, "escalated", internal=True, note=_("past its answer time"))
            log.warning("ticket %s escalated: answer was due %s", ticket.code, ticket.sla_due_at.isoformat())
            count += 1
    return count
