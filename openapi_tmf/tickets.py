"""TMF621 Trouble Ticket v4 over the after-sales tickets (orders.aftersales.tickets: the same
open, note and move as the subscriber's pages and the staff admin).

- troubleTicket = a `Ticket`; `ticketType` is its kind (cancel, refund, return, replacement,
  complaint, fault), `relatedEntity` the order (`{"id": <order number>, "@referredType":
  "ProductOrder"}`), `requestedResolutionDate` a fault's appointment (one of the offered slots),
  `expectedResolutionDate` the answer due time, `note` the ticket's notes, `statusChangeHistory`
  its moves.
- Created for an order of the token's own account (what it may ask for depends on the order, as
  on the order page). PATCH adds notes (entries of `note` without an id) and changes `status`:
  a partner token as a subscriber may (close, where the kind allows it), a staff token with the
  permission to change tickets any move the kind's state machine allows; `statusChangeReason`
  goes with the move.
- Who sees what: a partner token its account's tickets (staff's internal notes left out); a
  staff token every ticket of the carrier.

Statuses, Hall → TMF621 (one TMF status per move from any state, so a PATCH names one move):

| Hall        | TMF621       | meaning                                                |
| ----------- | ------------ | ------------------------------------------------------ |
| open        | acknowledged | submitted, waiting for staff                           |
| in_progress | inProgress   | being handled                                          |
| approved    | pending      | return approved: waiting for the card to come back     |
| received    | inProgress   | returned card received, refund under way              |
| scheduled   | pending      | technician booked for the appointment                  |
| resolved    | resolved     | done (refunded, replaced, repaired, answered)          |
| rejected    | rejected     | declined                                               |
| closed      | closed       | closed by the subscriber, or a return never sent back  |

(TMF621's `held` and `cancelled` have no counterpart in Hall.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.request import Request

from openapi_tmf import parties
from openapi_tmf.conventions import (
    Resource,
    TmfError,
    int_id,
    invalid,
    not_found,
    parse_time,
    ref,
    time_filter,
    tmf_time,
    unprocessable,
    value_filter,
)
from orders.aftersales import tickets
from orders.models import Order, Ticket, TicketEvent

BASE = "/tmf-api/troubleTicket/v4/"
ORDERING = "/tmf-api/productOrderingManagement/v4/"
SCOPES = {"GET": "ticket:read", "*": "ticket:write"}
T = Ticket.Status
STATUS = {
    T.OPEN: "acknowledged",
    T.IN_PROGRESS: "inProgress",
    T.APPROVED: "pending",
    T.RECEIVED: "inProgress",
    T.SCHEDULED: "pending",
    T.RESOLVED: "resolved",
    T.REJECTED: "rejected",
    T.CLOSED: "closed",
}
SUBSCRIBER_MOVES = {T.CLOSED}  # what the subscriber's own page may do (close)
PATCHABLE = {"note", "status", "statusChangeReason", "id", "href", "@type"}


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # a token's account
    return user


def _events(ticket: Ticket, request: Request) -> list[TicketEvent]:
    events = list(ticket.events.all())
    return events if parties.is_staff(request) else [e for e in events if not e.internal]


def _render(ticket: Ticket, request: Request) -> dict:
    events = _events(ticket, request)
    moves = [e for e in events if e.to_status]
    staff = parties.is_staff(request)
    notes = [
        {
            "id": str(e.pk),
            "text": e.note,
            "author": e.actor_label,
            "date": tmf_time(e.at),
            **({"internal": e.internal} if staff else {}),
            "@type": "Note",
        }
        for e in events
        if e.action == "note"
    ]
    done = ticket.status in tickets.DONE
    document = {
        "id": str(ticket.pk),
        "href": TROUBLE_TICKET.href(request, ticket.pk),
        "name": ticket.code,
        "description": ticket.description,
        "ticketType": ticket.kind,
        "severity": "Minor",
        "status": STATUS[T(ticket.status)],
        "statusChangeReason": moves[-1].note if moves else "",
        "statusChangeDate": tmf_time(moves[-1].at) if moves else tmf_time(ticket.created_at),
        "creationDate": tmf_time(ticket.created_at),
        "lastUpdate": tmf_time(ticket.updated_at),
        "expectedResolutionDate": tmf_time(ticket.sla_due_at),
        "requestedResolutionDate": tmf_time(ticket.appointment_at),
        "resolutionDate": tmf_time(moves[-1].at) if done and moves else None,
        "relatedParty": [
            {
                "id": str(ticket.user_id),
                "role": "reporter",
                "name": parties.account_name(ticket.user),
                "@referredType": "PartyRole",
            }
        ],
        "relatedEntity": [],
        "note": notes,
        "statusChangeHistory": [
            {
                "status": STATUS.get(T(e.to_status), e.to_status),
                "changeDate": tmf_time(e.at),
                "changeReason": e.note,
                "@type": "StatusChange",
            }
            for e in moves
        ],
    }
    if ticket.order is not None:
        order = ticket.order
        document["relatedEntity"] = [
            {
                **ref(ORDERING, "productOrder", request, order.number, name=order.number),
                "role": "order",
                "@referredType": "ProductOrder",
            }
        ]
    return document


def _tickets(request: Request) -> QuerySet[Ticket]:
    found = Ticket.objects.select_related("order", "user").prefetch_related("events").order_by("created_at", "pk")
    return found if parties.is_staff(request) else found.filter(user_id=parties.account_id(request))


def _ticket(request: Request, ident: str) -> Ticket:
    if int_id(ident) < 0:
        raise not_found("troubleTicket", ident)
    found = _tickets(request).filter(pk=int(ident)).first()
    if found is None:
        raise not_found("troubleTicket", ident)
    return found


def _order_of(request: Request, data: dict) -> Order:
    entities = data.get("relatedEntity")
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise invalid(_("Name the order in relatedEntity: [{id, @referredType: ProductOrder}]."), "relatedEntity")
    named = [e for e in entities if e.get("@referredType", "ProductOrder") == "ProductOrder" and e.get("id")]
    if len(named) != 1:
        raise invalid(_("Name exactly one order in relatedEntity."), "relatedEntity")
    number = str(named[0]["id"])
    order = Order.objects.filter(number=number, user=_user(request)).first()
    if order is None:  # another account's order is not found, never refused
        raise unprocessable(_("No order %(number)s of this account.") % {"number": number})
    return order


def _text(data: dict, name: str, limit: int) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str):
        raise invalid(_("%(name)s must be a string.") % {"name": name}, name)
    if len(value) > limit:
        raise invalid(_("%(name)s is longer than %(limit)d characters.") % {"name": name, "limit": limit}, name)
    return value.strip()


def _create(request: Request, data: dict) -> Ticket:
    kind = data.get("ticketType")
    if kind not in Ticket.Kind.values:
        raise invalid(
            _("ticketType is one of %(kinds)s.") % {"kinds": ", ".join(Ticket.Kind.values)},
            "ticketType",
        )
    order = _order_of(request, data)
    when = data.get("requestedResolutionDate")
    if when is not None and not isinstance(when, str):
        raise invalid(_("requestedResolutionDate must be a date and time."), "requestedResolutionDate")
    description = _text(data, "description", 1000)
    with _refusals():
        ticket = tickets.open_ticket(
            _user(request),
            kind,
            order=order,
            description=description,
            appointment_at=parse_time(when) if when else None,
        )
    return _ticket(request, str(ticket.pk))


@contextmanager
def _refusals() -> Iterator[None]:
    """The service's refusals (not possible for this order now, the carrier refused…): 422, nothing changed."""
    try:
        yield
    except tickets.TicketError as exc:
        raise unprocessable(exc.message) from None


def _new_notes(ticket: Ticket, data: dict) -> list[dict]:
    if "note" not in data:
        return []
    notes = data["note"]
    if not isinstance(notes, list) or not all(isinstance(n, dict) for n in notes):
        raise invalid(_("note must be a list of {text}."), "note")
    known = {str(pk) for pk in ticket.events.filter(action="note").values_list("pk", flat=True)}
    fresh = [n for n in notes if str(n.get("id") or "") not in known]
    for note in fresh:
        if not isinstance(note.get("text"), str) or not note["text"].strip():
            raise invalid(_("A new note needs its text."), "note")
        if len(note["text"]) > 1000:
            raise invalid(_("A note is at most 1000 characters."), "note")
    return fresh


def _target(request: Request, ticket: Ticket, wanted: object) -> str | None:
    """The one Hall move the TMF status names from where the ticket is, or None (no change)."""
    if wanted is None or wanted == STATUS[T(ticket.status)]:
        return None
    if not isinstance(wanted, str) or wanted not in set(STATUS.values()) | {"held", "cancelled"}:
        raise invalid(_("Unknown status %(status)s.") % {"status": wanted}, "status")
    allowed = tickets.MACHINES[ticket.kind].get(ticket.status, set())
    if not parties.is_staff(request):
        allowed = allowed & SUBSCRIBER_MOVES
    elif not _user(request).has_perm("orders.change_ticket"):
        raise TmfError(_("This account may not change tickets."), 403, reason="Forbidden")
    moves = [to for to in allowed if STATUS[T(to)] == wanted]
    if not moves:
        shown = sorted({STATUS[T(to)] for to in allowed}) or ["—"]
        raise unprocessable(
            _("A “%(kind)s” ticket cannot go from %(from)s to %(to)s now (possible: %(possible)s).")
            % {
                "kind": ticket.get_kind_display(),
                "from": STATUS[T(ticket.status)],
                "to": wanted,
                "possible": ", ".join(shown),
            }
        )
    return moves[0]


def _update(request: Request, ticket: Ticket, data: dict) -> Ticket:
    if unknown := sorted(set(data) - PATCHABLE):
        raise invalid(
            _("Only note and status change here (not %(fields)s).") % {"fields": ", ".join(unknown)}, unknown[0]
        )
    notes = _new_notes(ticket, data)
    to = _target(request, ticket, data.get("status"))
    reason = _text(data, "statusChangeReason", 300)
    staff = parties.is_staff(request)
    with _refusals():  # the move first: a refused move leaves the ticket as it was (notes were checked above)
        if to is not None:
            tickets.move(ticket, to, actor=_user(request), actor_label="staff" if staff else "subscriber", note=reason)
        for note in notes:
            tickets.add_note(ticket, _user(request), note["text"], internal=staff and note.get("internal") is True)
    return _ticket(request, str(ticket.pk))


def _statuses(value: str) -> list[str]:
    return [hall for hall, tmf in STATUS.items() if tmf == value] or ["-"]


TROUBLE_TICKET = Resource(
    name="troubleTicket",
    type="TroubleTicket",
    base=BASE,
    source=_tickets,
    render=_render,
    lookup=_ticket,
    scopes=SCOPES,
    db_filters={
        "id": value_filter("pk", int_id),
        "status": value_filter("status", _statuses),
        "ticketType": value_filter("kind"),
        "creationDate": time_filter("created_at"),
        "lastUpdate": time_filter("updated_at"),
        "relatedEntity.id": value_filter("order__number"),
    },
    create=_create,
    update=_update,
    schema={
        "type": "object",
        "description": "Without fields=, always has: ticketType, status, creationDate.",
        "required": ["id", "href", "@type"],
        "properties": {
            "id": {"type": "string"},
            "href": {"type": "string", "format": "uri"},
            "name": {"type": "string", "description": "The ticket's code, e.g. T0000042"},
            "description": {"type": "string"},
            "ticketType": {"type": "string", "enum": list(Ticket.Kind.values)},
            "severity": {"type": "string"},
            "status": {"type": "string", "enum": sorted(set(STATUS.values()))},
            "statusChangeReason": {"type": "string"},
            "statusChangeDate": {"type": "string", "format": "date-time"},
            "creationDate": {"type": "string", "format": "date-time"},
            "lastUpdate": {"type": "string", "format": "date-time"},
            "expectedResolutionDate": {"type": "string", "format": "date-time"},
            "requestedResolutionDate": {"type": "string", "format": "date-time", "nullable": True},
            "resolutionDate": {"type": "string", "format": "date-time", "nullable": True},
            "relatedParty": {"type": "array", "items": {"type": "object"}},
            "relatedEntity": {"type": "array", "items": {"type": "object"}},
            "note": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "author": {"type": "string"},
                        "date": {"type": "string", "format": "date-time"},
                    },
                },
            },
            "statusChangeHistory": {"type": "array", "items": {"type": "object"}},
            "@type": {"type": "string"},
        },
    },
    create_schema={
        "type": "object",
        "required": ["ticketType", "relatedEntity"],
        "properties": {
            "ticketType": {"type": "string", "enum": list(Ticket.Kind.values)},
            "description": {"type": "string", "maxLength": 1000},
            "requestedResolutionDate": {"type": "string", "format": "date-time"},
            "relatedEntity": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "string"}, "@referredType": {"type": "string"}},
                },
            },
        },
    },
    description="After-sales requests about an order of the token's account, with their notes and history.",
)

RESOURCES = [TROUBLE_TICKET]
