"""TMF654 Prepay Balance Management v4 over 我的's balance and allowances and the shop's top-up.

- bucket = the number's money balance (`<number>-balance`, usageType monetary, in CNY; negative
  when in arrears) and each allowance of the cycle (`<number>-<kind>-<n>`: data in MB, voice in
  min, sms in msg) as the BSS reports them (selfcare.selectors, cached as on 我的). `remainingValue`
  is what is left; Hall adds `totalValue` and `usedValue`. Filter by number with
  `?logicalResource.value=<number>` (or `?relatedParty.id=<account id>`).
- topupBalance = a top-up order (orders.checkout.services.place_top_up: its checks, its
  idempotency: send an `Idempotency-Key` header to make a retry safe). It is acknowledged with the
  order (`id` = order number, also TMF622's productOrder) and, while it waits for payment, the
  customer's payment link (`payment[0].href`, as TMF622's orders have: orders.payments.links),
  unless the token has `order:prepaid`: the partner settles with the carrier, so the order is paid
  at once (orders.payments.services.settle_by_partner, as TMF622 does) and the BSS credits it.
  status: created (awaiting payment), inProgress (paid, being credited), confirmed (credited),
  cancelled (closed unpaid, cancelled or refunded), failed (needs staff attention).
- Who sees what: openapi_tmf.parties for buckets and for the numbers a token may top up; top-ups
  are the account's own (staff: every top-up of the carrier).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.request import Request

from integrations.models import ApiToken
from openapi_tmf import ordering, parties
from openapi_tmf.conventions import (
    Resource,
    invalid,
    not_found,
    ref,
    time_filter,
    tmf_time,
    unprocessable,
    value_filter,
)
from openapi_tmf.inventory import bss_card, day
from orders.checkout import services as checkout
from orders.models import Order, OrderKind
from orders.models import OrderStatus as OS
from orders.payments import services as payments

BASE = "/tmf-api/prepayBalanceManagement/v4/"
ORDERING = "/tmf-api/productOrderingManagement/v4/"
BUCKET_SCOPES = {"GET": "balance:read"}
TOPUP_SCOPES = {"GET": "balance:read", "*": "balance:write"}
NUMBER_FILTER = "logicalResource.value"
PREPAID = "order:prepaid"
TOPUP_STATUS: dict[str, str] = {
    OS.AWAITING_PAYMENT: "created",
    OS.PAID: "inProgress",
    OS.IN_FULFILMENT: "inProgress",
    OS.COMPLETED: "confirmed",
    OS.CANCELLED: "cancelled",
    OS.CLOSED_UNPAID: "cancelled",
    OS.REFUNDING: "cancelled",
    OS.REFUNDED: "cancelled",
    OS.NEEDS_ATTENTION: "failed",
}


def _quantity(amount: Decimal, units: str) -> dict:
    return {"amount": float(amount), "units": units}


def _resource(number: str) -> list[dict]:
    return [{"id": number, "value": number, "@referredType": "LogicalResource"}]


# --- bucket ---------------------------------------------------------------------------------


def _buckets_of(number: str) -> list[dict]:
    """The number's buckets as plain data (the request makes them documents)."""
    card = bss_card(number)
    usage = card.usage
    if card.subscriber is None or usage is None:
        return []
    who = parties.parties(number)
    money = usage.balance - usage.arrears
    found = [
        {
            "id": f"{number}-balance",
            "name": _("Balance"),
            "usageType": "monetary",
            "status": "active" if usage.status == "active" else usage.status,
            "isShared": False,
            "remainingValue": _quantity(money, "CNY"),
            "remainingValueName": f"¥{money:.2f}",
            "lastUpdate": tmf_time(usage.as_of),
            "logicalResource": _resource(number),
            "relatedParty": who,
        }
    ]
    counts: dict[str, int] = {}
    for bucket in usage.buckets:
        counts[bucket.kind] = counts.get(bucket.kind, 0) + 1
        found.append(
            {
                "id": f"{number}-{bucket.kind}-{counts[bucket.kind]}",
                "name": bucket.name,
                "usageType": bucket.kind,
                "status": "active" if bucket.remaining > 0 else "exhausted",
                "isShared": False,
                "remainingValue": _quantity(bucket.remaining, bucket.unit),
                "remainingValueName": f"{bucket.remaining:f} {bucket.unit}",
                "totalValue": _quantity(bucket.total, bucket.unit),
                "usedValue": _quantity(bucket.used, bucket.unit),
                "validFor": {"startDateTime": day(bucket.valid_from), "endDateTime": day(bucket.valid_until)},
                "lastUpdate": tmf_time(usage.as_of),
                "logicalResource": _resource(number),
                "relatedParty": who,
            }
        )
    return found


def _render_bucket(bucket: dict, request: Request) -> dict:
    return {**bucket, "href": BUCKET.href(request, bucket["id"])}


def _buckets(request: Request) -> list[dict]:
    return [b for number in parties.listed_numbers(request, NUMBER_FILTER) for b in _buckets_of(number)]


def _bucket(request: Request, ident: str) -> dict:
    number = ident[:11]
    if ident[11:12] != "-" or not parties.may_read(request, number):
        raise not_found("bucket", ident)
    found = next((b for b in _buckets_of(number) if b["id"] == ident), None)
    if found is None:
        raise not_found("bucket", ident)
    return found


# --- topupBalance ---------------------------------------------------------------------------


def _topups(request: Request) -> QuerySet[Order]:
    orders = Order.objects.filter(kind=OrderKind.TOP_UP).select_related("user").order_by("created_at", "pk")
    return orders if parties.is_staff(request) else orders.filter(user_id=parties.account_id(request))


def _topup(request: Request, ident: str) -> Order:
    found = _topups(request).filter(number=ident).first()
    if found is None:
        raise not_found("topupBalance", ident)
    return found


def _render_topup(order: Order, request: Request) -> dict:
    document = {
        "id": order.number,
        "href": TOPUP.href(request, order.number),
        "status": TOPUP_STATUS.get(order.status, "inProgress"),
        "amount": {"unit": "CNY", "value": float(order.payable)},
        "usageType": "monetary",
        "isAutoTopup": False,
        "channel": {"name": "api"},
        "requestedDate": tmf_time(order.created_at),
        "confirmationDate": tmf_time(order.paid_at),
        "logicalResource": _resource(order.service_number),
        "bucket": {
            "id": f"{order.service_number}-balance",
            "href": BUCKET.href(request, f"{order.service_number}-balance"),
        },
        "requestor": {"id": str(order.user_id), "name": parties.account_name(order.user), "@referredType": "PartyRole"},
        "productOrder": {**ref(ORDERING, "productOrder", request, order.number), "@referredType": "ProductOrder"},
    }
    if order.status == OS.AWAITING_PAYMENT and order.payable > 0:
        document["payment"] = ordering.payment_refs(order)
    return document


def _number_to_top_up(request: Request, data: dict) -> str:
    resources = data.get("logicalResource")
    if isinstance(resources, dict):
        resources = [resources]
    if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict):
        raise invalid(_("Name the number to top up as logicalResource: [{value}]."), "logicalResource")
    number = str(resources[0].get("value") or resources[0].get("id") or "")
    if not parties.may_read(request, number):  # unknown or not this token's: the same answer
        raise unprocessable(_("%(number)s is not a number this token may top up.") % {"number": number})
    return number


def _amount(data: dict) -> Decimal:
    amount = data.get("amount")
    if not isinstance(amount, dict) or "value" not in amount:
        raise invalid(_("amount must be {unit: CNY, value}."), "amount")
    if (amount.get("unit") or "CNY") != "CNY":
        raise unprocessable(_("Top-ups are in yuan (unit CNY)."))
    value = amount["value"]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(_("amount.value must be a number."), "amount")
    try:
        return checkout.clean_top_up_amount(value)  # the shop's rule: whole yuan, within its limits
    except checkout.CheckoutError as exc:
        raise unprocessable(exc.message) from None


def _create_topup(request: Request, data: dict) -> Order:
    number = _number_to_top_up(request, data)
    amount = _amount(data)
    key = (request.headers.get("Idempotency-Key") or "").strip()[:40] or uuid.uuid4().hex
    user = request.user
    assert isinstance(user, User) and isinstance(request.auth, ApiToken)
    try:
        order = checkout.place_top_up(user, number, amount, token=f"tmf654:{key}")
    except checkout.CheckoutError as exc:  # the BSS did not answer, or no longer serves the number
        raise unprocessable(exc.message) from None
    if order.service_number != number or order.payable != amount:
        raise unprocessable(_("This Idempotency-Key was used for another top-up."))
    if request.auth.has_scope(PREPAID) and order.status == OS.AWAITING_PAYMENT:
        payments.settle_by_partner(order, request.auth.name)  # paid: the BSS credits it (orders/reactions.py)
    return _topup(request, order.number)


BUCKET = Resource(
    name="bucket",
    type="Bucket",
    base=BASE,
    source=_buckets,
    render=_render_bucket,
    lookup=_bucket,
    scopes=BUCKET_SCOPES,
    schema={
        "type": "object",
        "description": "Without fields=, always has: usageType, remainingValue, logicalResource.",
        "required": ["id", "href", "@type"],
        "properties": {
            "id": {"type": "string", "description": "<number>-balance or <number>-<kind>-<n>"},
            "href": {"type": "string", "format": "uri"},
            "name": {"type": "string"},
            "usageType": {"type": "string", "enum": ["monetary", "data", "voice", "sms"]},
            "status": {"type": "string"},
            "isShared": {"type": "boolean"},
            "remainingValue": {
                "type": "object",
                "properties": {"amount": {"type": "number"}, "units": {"type": "string"}},
            },
            "remainingValueName": {"type": "string"},
            "totalValue": {"type": "object"},
            "usedValue": {"type": "object"},
            "validFor": {"type": "object"},
            "lastUpdate": {"type": "string", "format": "date-time"},
            "logicalResource": {"type": "array", "items": {"type": "object"}},
            "relatedParty": {"type": "array", "items": {"type": "object"}},
            "@type": {"type": "string"},
        },
    },
    description="A number's money balance and allowances, as the carrier's BSS reports them. Read-only.",
)

TOPUP = Resource(
    name="topupBalance",
    type="TopupBalance",
    base=BASE,
    source=_topups,
    render=_render_topup,
    lookup=_topup,
    scopes=TOPUP_SCOPES,
    db_filters={
        "id": value_filter("number"),
        "status": value_filter("status", lambda v: [k for k, s in TOPUP_STATUS.items() if s == v] or ["-"]),
        "requestedDate": time_filter("created_at"),
        "logicalResource.value": value_filter("service_number"),
    },
    create=_create_topup,
    schema={
        "type": "object",
        "description": "Without fields=, always has: status, amount, logicalResource.",
        "required": ["id", "href", "@type"],
        "properties": {
            "id": {"type": "string", "description": "The order number"},
            "href": {"type": "string", "format": "uri"},
            "status": {"type": "string", "enum": sorted(set(TOPUP_STATUS.values()))},
            "amount": {"type": "object", "properties": {"unit": {"type": "string"}, "value": {"type": "number"}}},
            "usageType": {"type": "string"},
            "isAutoTopup": {"type": "boolean"},
            "channel": {"type": "object"},
            "requestedDate": {"type": "string", "format": "date-time"},
            "confirmationDate": {"type": "string", "format": "date-time", "nullable": True},
            "logicalResource": {"type": "array", "items": {"type": "object"}},
            "bucket": {"type": "object"},
            "requestor": {"type": "object"},
            "productOrder": {"type": "object"},
            "payment": {
                "type": "array",
                "description": "While it waits for payment: the customer's payment link (never for order:prepaid)",
                "items": {"type": "object", "properties": {"id": {"type": "string"}, "href": {"type": "string"}}},
            },
            "@type": {"type": "string"},
        },
    },
    create_schema={
        "type": "object",
        "required": ["amount", "logicalResource"],
        "properties": {
            "amount": {
                "type": "object",
                "required": ["value"],
                "properties": {"unit": {"type": "string", "enum": ["CNY"]}, "value": {"type": "number"}},
            },
            "logicalResource": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1,
                "items": {"type": "object", "properties": {"value": {"type": "string"}}},
            },
        },
    },
    description="Top-ups of a number: an order paid through the carrier's payment page (or settled by the partner).",
)

RESOURCES = [BUCKET, TOPUP]
