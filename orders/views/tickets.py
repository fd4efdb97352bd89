"""After-sales pages for subscribers: open a request from an order, follow it, write to staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import SignedInRequest
from orders import selectors
from orders.aftersales import tickets
from orders.models import Ticket


def _slot(value):
    chosen = parse_datetime(value or "")
    return next((slot for slot in tickets.fault_slots() if chosen and slot == chosen), None)


@login_required
@require_POST
def open_ticket(request: SignedInRequest, number: str | None = None):
    order = selectors.my_order(request.user, number) if number else None
    try:
        ticket = tickets.open_ticket(
            request.user,
            request.POST.get("kind", ""),
            order=order,
            description=request.POST.get("description", ""),
            account=request.POST.get("account", ""),
            appointment_at=_slot(request.POST.get("slot")),
        )
    except tickets.TicketError as exc:
        messages.error(request, str(exc))
        return redirect("order", number) if number else redirect("tickets")
    messages.success(request, _("Request %(code)s received.") % {"code": ticket.code})
    return redirect("ticket", ticket.pk)


@login_required
def ticket_list(request: SignedInRequest):
    return render(
        request,
        "orders/ticket_list.html",
        {
            "tab": "me",
            "tickets": selectors.my_tickets(request.user),
            "slots": tickets.fault_slots(),
        },
    )


@login_required
def ticket_detail(request: SignedInRequest, pk: int):
    ticket = selectors.my_ticket(request.user, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                tickets.move(ticket, Ticket.Status.CLOSED, actor=request.user, actor_label="subscriber")
            else:
                tickets.add_note(ticket, request.user, request.POST.get("note", ""), internal=False)
        except tickets.TicketError as exc:
            messages.error(request, str(exc))
        return redirect("ticket", ticket.pk)
    return render(
        request,
        "orders/ticket_detail.html",
        {
            "tab": "me",
            "ticket": ticket,
            "events": selectors.ticket_events_for_subscriber(ticket),
            "can_close": tickets.can_move(ticket, Ticket.Status.CLOSED),
        },
    )
