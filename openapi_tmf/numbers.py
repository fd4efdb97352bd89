"""TMF685 Resource Pool Management v4 over the number pool: the same search the shop uses and the
same one-statement hold (numberpool.holds), nothing of its own but the reservation row.

- availabilityCheck (POST): `resourceCapacityDemand` = how many (`capacityDemandAmount`, 1–50), where
  (`place.id` = a city code) and which (`pattern`: an object or a list of {name, value} with the
  shop's search fields tail, contains, exclude, birthday, tier, max_price) → `availableResources`,
  each number as a LogicalResource reference with its city, tier, fee and minimum spend. A check is
  kept for CHECK_SECONDS so its href answers (GET item; there is no listing of checks: 405);
  nothing is held by a check.
- reservation: POST holds every number named in `reservationItem[].resourceCapacity.resources[]`
  (id or value) until `validFor.endDateTime` (or `requestedPeriodEndDateTime`; default the shop's
  hold time, at most MAX_MINUTES ahead), all or none: one number taken → 409 and nothing is held.
  The hold owner is `tmf:<token id>:<reservation id>`. GET list/item (the account's own
  reservations, whichever of its tokens made them); PATCH extends (`validFor.endDateTime`, at most
  MAX_LIFETIME_MINUTES after creation) or cancels (`reservationState: cancelled`); DELETE releases.
- reservationState: accepted (holding), expired (its time ran out), cancelled (released),
  completed (an order took the numbers over, see `take_over`).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

from core.phone import is_mobile_number
from integrations.models import ApiToken
from numberpool import holds, search
from numberpool.models import MobileNumber
from openapi_tmf.conventions import (
    Resource,
    TmfError,
    invalid,
    not_found,
    parse_time,
    time_filter,
    tmf_time,
    unprocessable,
    value_filter,
)
from openapi_tmf.models import Reservation

BASE = "/tmf-api/resourcePoolManagement/v4/"
SCOPES = {"GET": "inventory:read", "*": "inventory:write"}
CHECK_SCOPES = {"GET": "inventory:read", "POST": "inventory:read"}  # a check holds nothing
MAX_CHECK = 50  # numbers one availability check returns at most
MAX_NUMBERS = 10  # numbers in one reservation
MAX_MINUTES = 30  # how far ahead a reservation (or an extension) may end
MAX_LIFETIME_MINUTES = 60  # from its creation, however often it is extended
MAX_LIVE_NUMBERS = 100  # numbers one account may keep reserved at once (a soft cap, checked before holding)
CHECK_SECONDS = 1800
PATTERN_FIELDS = ("tail", "contains", "exclude", "birthday", "tier", "max_price")
S = Reservation.State


def _token(request: Request) -> ApiToken:
    token = request.auth
    assert isinstance(token, ApiToken)  # TokenScopes refused anything else
    return token


def _number_ref(request: Request, number: MobileNumber | str) -> dict:
    value = number if isinstance(number, str) else number.number
    found: dict[str, Any] = {"id": value, "value": value, "name": value, "@referredType": "LogicalResource"}
    if isinstance(number, MobileNumber):
        found["resourceCharacteristic"] = [
            {"name": "city", "value": number.city},
            {"name": "tier", "value": number.tier},
            {"name": "price", "value": {"unit": "CNY", "value": float(number.price)}},
            {"name": "minimumSpend", "value": {"unit": "CNY", "value": float(number.minimum_spend)}},
            {"name": "contractMonths", "value": number.contract_months},
        ]
    return found


# --- availabilityCheck ----------------------------------------------------------------------


def _pattern(demand: dict) -> dict:
    raw = demand.get("pattern")
    if raw is None:
        return {}
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list) and all(isinstance(p, dict) for p in raw):
        items = [(p.get("name"), p.get("value")) for p in raw]
    else:
        raise invalid(_("pattern must be an object or a list of {name, value}."), "pattern")
    found = {}
    for name, value in items:
        if name not in PATTERN_FIELDS:
            raise invalid(
                _("Unknown pattern %(name)s (known: %(known)s).") % {"name": name, "known": ", ".join(PATTERN_FIELDS)},
                "pattern",
            )
        if not isinstance(value, str | int | float):
            raise invalid(_("pattern %(name)s must be a string or a number.") % {"name": name}, "pattern")
        found[name] = str(value)
    return found


def _count(demand: dict) -> int:
    amount = demand.get("capacityDemandAmount", 10)
    if isinstance(amount, dict):  # a Quantity: {amount, units}
        amount = amount.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_CHECK:
        raise invalid(
            _("capacityDemandAmount must be a whole number from 1 to %(max)d.") % {"max": MAX_CHECK},
            "capacityDemandAmount",
        )
    return amount


def _city(demand: dict) -> str:
    place = demand.get("place") or {}
    if isinstance(place, list):
        place = place[0] if place else {}
    if not isinstance(place, dict):
        raise invalid(_("place must be an object with the city code as id."), "place")
    return str(place.get("id") or "")


def check_availability(request: Request, data: dict) -> dict:
    demand = data.get("resourceCapacityDemand") or {}
    if not isinstance(demand, dict):
        raise invalid(_("resourceCapacityDemand must be an object."), "resourceCapacityDemand")
    count, wanted = _count(demand), {**_pattern(demand), "city": _city(demand)}
    form = search.NumberSearchForm(wanted)  # the shop's own validation
    if not form.is_valid():
        raise invalid("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items()), "pattern")
    clean = form.cleaned_data
    if form.is_empty():
        found = search.random_pick(n=count, city=clean["city"])
    else:
        found, _more = search.search(
            tail=clean["tail"],
            contains=clean["contains"],
            exclude=clean["exclude"],
            birthday=clean["birthday"],
            tier=clean["tier"],
            city=clean["city"],
            max_price=clean["max_price"],
            page_size=count,
        )
    ident = str(uuid.uuid4())
    document = {
        "id": ident,
        "href": request.build_absolute_uri(f"{BASE}availabilityCheck/{ident}"),
        "resourceCapacityDemand": {  # what was asked, as understood
            "capacityDemandAmount": count,
            **({"place": {"id": clean["city"]}} if clean["city"] else {}),
            "pattern": [{"name": k, "value": str(v)} for k, v in wanted.items() if k != "city" and v],
        },
        "availableResources": [_number_ref(request, n) for n in found],
        "@type": "AvailabilityCheck",
    }
    cache.set(_check_key(request, ident), document, CHECK_SECONDS)
    return document


def _check_key(request: Request, ident: str) -> str:
    return f"tmf685:check:{_token(request).user_id}:{ident}"


def _no_listing(request: Request) -> list:
    raise exceptions.MethodNotAllowed("GET")  # a check is a task: created, then read by its href


def _check(request: Request, ident: str) -> dict:
    document = cache.get(_check_key(request, ident)) if _is_uuid(ident) else None
    if document is None:
        raise not_found("availabilityCheck", ident)
    return document


# --- reservation ----------------------------------------------------------------------------


def _state(reservation: Reservation) -> str:
    if reservation.state == S.USED:
        return "completed"
    if reservation.state == S.CANCELLED:
        return "cancelled"
    return "accepted" if reservation.expires_at > timezone.now() else "expired"


def _render(reservation: Reservation, request: Request) -> dict:
    state = _state(reservation)
    return {
        "id": str(reservation.id),
        "href": RESERVATION.href(request, reservation.id),
        "description": reservation.description,
        "reservationState": state,
        "lastUpdate": tmf_time(reservation.updated_at),
        "validFor": {
            "startDateTime": tmf_time(reservation.created_at),
            "endDateTime": tmf_time(reservation.expires_at),
        },
        "relatedParty": {"id": str(reservation.user_id), "role": "reserver", "@referredType": "PartyRole"},
        "reservationItem": [
            {
                "quantity": 1,
                "subReservationState": state,
                "resourceCapacity": {"capacityDemandAmount": 1, "resources": [_number_ref(request, n)]},
                "appliedCapacityAmount": {
                    "appliedDemandAmount": 1 if state in ("accepted", "completed") else 0,
                    "resource": [_number_ref(request, n)],
                },
            }
            for n in reservation.numbers
        ],
    }


def _reservations(request: Request) -> QuerySet[Reservation]:
    return Reservation.objects.filter(user_id=_token(request).user_id).order_by("created_at", "id")


def _reservation(request: Request, ident: str) -> Reservation:
    try:
        return _reservations(request).get(pk=uuid.UUID(ident))
    except (ValueError, Reservation.DoesNotExist):
        raise not_found("reservation", ident) from None


def _requested_numbers(data: dict) -> list[str]:
    items = data.get("reservationItem")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise invalid(_("reservationItem must be a non-empty list of objects."), "reservationItem")
    numbers: list[str] = []
    for item in items:
        capacity = item.get("resourceCapacity") or {}
        resources = capacity.get("resources") if isinstance(capacity, dict) else None
        if not isinstance(resources, list) or not resources or not all(isinstance(r, dict) for r in resources):
            raise invalid(
                _("Each reservationItem names its numbers in resourceCapacity.resources ([{id}])."),
                "reservationItem",
            )
        for resource in resources:
            value = str(resource.get("id") or resource.get("value") or "")
            if not is_mobile_number(value):
                raise invalid(_("“%(value)s” is not an 11-digit mobile number.") % {"value": value}, "resources")
            numbers.append(value)
    if len(set(numbers)) != len(numbers):
        raise invalid(_("A number is named twice."), "resources")
    if len(numbers) > MAX_NUMBERS:
        raise unprocessable(_("At most %(max)d numbers in one reservation.") % {"max": MAX_NUMBERS})
    return sorted(numbers)  # one order for everyone: two overlapping reservations never deadlock


def _requested_end(data: dict) -> dt.datetime | None:
    window = data.get("validFor")
    if window is not None and not isinstance(window, dict):
        raise invalid(_("validFor must be an object."), "validFor")
    end = (window or {}).get("endDateTime") or data.get("requestedPeriodEndDateTime")
    if end is None:
        return None
    if not isinstance(end, str):
        raise invalid(_("validFor.endDateTime must be a date and time."), "validFor")
    return parse_time(end)


def _minutes_until(end: dt.datetime, now: dt.datetime) -> int:
    if end <= now:
        raise unprocessable(_("The reservation must end in the future."))
    minutes = math.ceil((end - now).total_seconds() / 60)
    if minutes > MAX_MINUTES:
        raise unprocessable(_("A reservation ends at most %(max)d minutes ahead.") % {"max": MAX_MINUTES})
    return minutes


def _description(data: dict) -> str:
    value = data.get("description") or ""
    if not isinstance(value, str):
        raise invalid(_("description must be a string."), "description")
    return value.strip()[:200]


def _live_numbers(user_id: int) -> int:
    live = Reservation.objects.filter(user_id=user_id, state=S.ACTIVE, expires_at__gt=timezone.now())
    return sum(len(numbers) for numbers in live.values_list("numbers", flat=True))


def _create(request: Request, data: dict) -> Reservation:
    token = _token(request)
    numbers = _requested_numbers(data)
    end = _requested_end(data)
    minutes = _minutes_until(end, timezone.now()) if end else settings.HALL_NUMBER_HOLD_MINUTES
    description = _description(data)
    known = set(MobileNumber.objects.filter(number__in=numbers).values_list("number", flat=True))
    if unknown := [n for n in numbers if n not in known]:
        raise unprocessable(_("Not numbers of this carrier's pool: %(numbers)s.") % {"numbers": ", ".join(unknown)})
    ident = uuid.uuid4()
    owner = f"tmf:{token.pk}:{ident}"
    with transaction.atomic():  # all or none: a number taken (NumberTaken, 409) undoes the others' holds
        # one account's reservations are counted one at a time: parallel requests cannot all pass the cap
        get_user_model().objects.select_for_update().filter(pk=token.user_id).first()
        if _live_numbers(token.user_id) + len(numbers) > MAX_LIVE_NUMBERS:
            raise TmfError(
                _("This account already holds %(max)d reserved numbers: release some first.")
                % {"max": MAX_LIVE_NUMBERS},
                409,
                reason="Conflict",
            )
        held = [holds.hold(n, owner, minutes, max_holds=len(numbers)) for n in numbers]
        return Reservation.objects.create(
            id=ident,
            token=token,
            user_id=token.user_id,
            numbers=numbers,
            hold_owner=owner,
            expires_at=min(h.held_until for h in held if h.held_until),
            description=description,
        )


def _release(reservation: Reservation) -> None:
    for number in reservation.numbers:
        holds.release_one(number, reservation.hold_owner)


def _locked(reservation: Reservation) -> Reservation:
    return Reservation.objects.select_for_update().get(pk=reservation.pk)


def _update(request: Request, reservation: Reservation, data: dict) -> Reservation:
    state = data.get("reservationState")
    if state is not None and state not in ("accepted", "cancelled"):
        raise invalid(_("reservationState may only be set to cancelled."), "reservationState")
    end = _requested_end(data)
    with transaction.atomic():
        reservation = _locked(reservation)
        if "description" in data:
            reservation.description = _description(data)
        current = _state(reservation)
        if state == "cancelled" and end is None and current in ("cancelled", "expired"):
            if current == "expired":  # its holds may not be swept yet: let them go now
                _release(reservation)
                reservation.state = S.CANCELLED
            reservation.save()
            return reservation
        if (state == "cancelled" or end is not None) and current != "accepted":
            raise TmfError(
                _("This reservation is %(state)s: it can no longer change.") % {"state": current},
                409,
                reason="Conflict",
            )
        if state == "cancelled":
            _release(reservation)
            reservation.state = S.CANCELLED
        elif end is not None:
            _extend(reservation, end)
        reservation.save()
    return reservation


def _extend(reservation: Reservation, end: dt.datetime) -> None:
    now = timezone.now()
    _minutes_until(end, now)
    if end > reservation.created_at + dt.timedelta(minutes=MAX_LIFETIME_MINUTES):
        raise unprocessable(
            _("A reservation lasts at most %(max)d minutes from its creation.") % {"max": MAX_LIFETIME_MINUTES}
        )
    if end <= reservation.expires_at:
        raise unprocessable(_("An extension ends later than the reservation does now."))
    for number in reservation.numbers:  # the hold's own conditional UPDATE: only a live hold of ours
        if not holds.claim_for_order(number, reservation.hold_owner, reservation.hold_owner, end):
            raise TmfError(
                _("The hold on %(number)s has ended.") % {"number": number}, 409, reason="Conflict"
            )  # the transaction undoes the others
    reservation.expires_at = end


def _delete(request: Request, reservation: Reservation) -> None:
    with transaction.atomic():
        reservation = _locked(reservation)
        if reservation.state == S.USED:
            raise TmfError(_("An order has taken these numbers over."), 409, reason="Conflict")
        if reservation.state == S.ACTIVE:
            _release(reservation)
            reservation.state = S.CANCELLED
            reservation.save()


def take_over(reservation_id: str, token: ApiToken, new_owner: str) -> list[str]:
    """An order (TMF622's `reservationId`) takes a live reservation's numbers: their holds pass to
    `new_owner` (a cart's or an order's hold owner) keeping their expiry, and the reservation is
    marked completed. The same owner taking it again gets the numbers again (a retried call). An
    order that took it and then failed gives its holds back (holds.release): while the reservation
    lasts, taking it again holds its numbers anew for the new owner, if they are still free.
    Call it inside the order's transaction where there is one: if the order fails, both are undone.
    Refused with a TmfError: unknown or another account's (422), cancelled or expired (422), its
    numbers held or bought by another order meanwhile (409)."""
    try:
        pk = uuid.UUID(str(reservation_id))
    except ValueError:
        pk = None
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update().filter(pk=pk, user_id=token.user_id).first() if pk else None
        )
        if reservation is None:
            raise unprocessable(_("No reservation %(id)s of this account.") % {"id": reservation_id})
        if reservation.state == S.USED and reservation.taken_by == new_owner:
            return list(reservation.numbers)
        if reservation.state == S.CANCELLED:
            raise unprocessable(_("Reservation %(id)s was cancelled.") % {"id": reservation_id})
        now = timezone.now()
        if reservation.expires_at <= now:
            raise unprocessable(_("Reservation %(id)s has expired.") % {"id": reservation_id})
        if reservation.state == S.USED:
            _hold_again(reservation, new_owner, now)
        elif holds.transfer_holds(reservation.hold_owner, new_owner) != len(reservation.numbers):
            raise TmfError(
                _("A number of reservation %(id)s is no longer held.") % {"id": reservation_id}, 409, reason="Conflict"
            )  # the transaction undoes the transfer
        reservation.state, reservation.taken_by = S.USED, new_owner
        reservation.save(update_fields=["state", "taken_by", "updated_at"])
    return list(reservation.numbers)


def give_back(reservation_id: str, token: ApiToken, from_owner: str) -> None:
    """An order that took a reservation failed: its numbers go back to the reservation (still the
    partner's, not the public pool's) and the reservation is live again."""
    pk = _uuid(reservation_id)
    if pk is None:
        return
    with transaction.atomic():
        reservation = (
            Reservation.objects.select_for_update()
            .filter(pk=pk, user_id=token.user_id, state=S.USED, taken_by=from_owner)
            .first()
        )
        if reservation is None:
            return
        holds.transfer_holds(from_owner, reservation.hold_owner)
        reservation.state, reservation.taken_by = S.ACTIVE, ""
        reservation.save(update_fields=["state", "taken_by", "updated_at"])


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _hold_again(reservation: Reservation, new_owner: str, now: dt.datetime) -> None:
    """A used reservation whose order failed: its numbers, if still free, held for `new_owner` until
    the reservation ends (the one-statement hold: someone who took one meanwhile keeps it)."""
    minutes = max(1, math.ceil((reservation.expires_at - now).total_seconds() / 60))
    try:
        for number in reservation.numbers:
            holds.hold(number, new_owner, minutes, max_holds=MAX_LIVE_NUMBERS)
    except holds.NumberTaken:
        raise TmfError(
            _("Reservation %(id)s was used by another order.") % {"id": str(reservation.id)}, 409, reason="Conflict"
        ) from None  # the transaction undoes the holds it made


STATES = {"accepted": S.ACTIVE, "expired": S.ACTIVE, "cancelled": S.CANCELLED, "completed": S.USED}

_REF = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "The number"},
        "value": {"type": "string"},
        "name": {"type": "string"},
        "@referredType": {"type": "string", "enum": ["LogicalResource"]},
        "resourceCharacteristic": {"type": "array", "items": {"type": "object"}},
    },
}
_PERIOD = {
    "type": "object",
    "properties": {
        "startDateTime": {"type": "string", "format": "date-time"},
        "endDateTime": {"type": "string", "format": "date-time"},
    },
}
_DEMAND = {
    "type": "object",
    "properties": {
        "capacityDemandAmount": {"type": "integer", "minimum": 1, "maximum": MAX_CHECK, "default": 10},
        "place": {"type": "object", "properties": {"id": {"type": "string", "description": "City code"}}},
        "pattern": {
            "description": "The shop's search: an object or a list of {name, value}",
            "oneOf": [
                {"type": "object", "properties": {f: {"type": "string"} for f in PATTERN_FIELDS}},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string", "enum": list(PATTERN_FIELDS)}, "value": {}},
                    },
                },
            ],
        },
    },
}
_ITEM = {
    "type": "object",
    "properties": {
        "quantity": {"type": "integer"},
        "subReservationState": {"type": "string"},
        "resourceCapacity": {
            "type": "object",
            "properties": {"capacityDemandAmount": {"type": "integer"}, "resources": {"type": "array", "items": _REF}},
        },
        "appliedCapacityAmount": {
            "type": "object",
            "properties": {"appliedDemandAmount": {"type": "integer"}, "resource": {"type": "array", "items": _REF}},
        },
    },
}

AVAILABILITY_CHECK = Resource(
    name="availabilityCheck",
    type="AvailabilityCheck",
    base=BASE,
    source=_no_listing,
    render=lambda document, request: document,
    lookup=_check,
    scopes=CHECK_SCOPES,
    create=check_availability,
    schema={
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "href": {"type": "string", "format": "uri"},
            "resourceCapacityDemand": _DEMAND,
            "availableResources": {"type": "array", "items": _REF},
            "@type": {"type": "string"},
        },
    },
    create_schema={"type": "object", "properties": {"resourceCapacityDemand": _DEMAND}},
    description="Available numbers for a pattern, a city and a count: the shop's search. Holds nothing.",
)

RESERVATION = Resource(
    name="reservation",
    type="Reservation",
    base=BASE,
    source=_reservations,
    render=_render,
    lookup=_reservation,
    scopes=SCOPES,
    db_filters={
        "id": value_filter("id", lambda v: v if _is_uuid(v) else "00000000-0000-0000-0000-000000000000"),
        "lastUpdate": time_filter("updated_at"),
    },
    create=_create,
    update=_update,
    delete=_delete,
    schema={
        "type": "object",
        "description": "Without fields=, always has: reservationState, validFor, reservationItem.",
        "required": ["id", "href", "@type"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "href": {"type": "string", "format": "uri"},
            "description": {"type": "string"},
            "reservationState": {"type": "string", "enum": list(STATES)},
            "lastUpdate": {"type": "string", "format": "date-time"},
            "validFor": _PERIOD,
            "relatedParty": {"type": "object"},
            "reservationItem": {"type": "array", "items": _ITEM},
            "@type": {"type": "string"},
        },
    },
    create_schema={
        "type": "object",
        "required": ["reservationItem"],
        "properties": {
            "description": {"type": "string", "maxLength": 200},
            "validFor": _PERIOD,
            "requestedPeriodEndDateTime": {"type": "string", "format": "date-time"},
            "reservationItem": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "resourceCapacity": {
                            "type": "object",
                            "properties": {
                                "resources": {
                                    "type": "array",
                                    "items": {"type": "object", "properties": {"id": {"type": "string"}}},
                                }
                            },
                        }
                    },
                },
            },
        },
    },
    description="Numbers held for a partner until an order takes them over, the reservation ends or is released.",
)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


RESOURCES = [AVAILABILITY_CHECK, RESERVATION]
