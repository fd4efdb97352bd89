"""TMF622 Product Ordering Management v4 over checkout.

A productOrder is placed the way the shop places one: its items go into a cart of their own
(`orders.cart.services.add_to_cart`), checkout prices, checks and places it
(`orders.checkout.services.place_from_cart`), so real-name, one ID five numbers, number holds,
stock, promotions and idempotency apply unchanged. The order belongs to the token's account (the
channel); `relatedParty` is echoed back as the partner sent it.

An item names `productOffering.id` (a TMF620 offering) and, in `product.productCharacteristic`,
what checkout asks for:

| characteristic | for |
| --- | --- |
| `number` or `reservationId` | a new SIM: the chosen number (held now) or a TMF685 reservation |
| `variant` | a phone's colour and storage (TMF620 `prodSpecCharValueUse` "variant" id) |
| `holderName`, `holderIdNumber` | a new SIM: the holder (checked with the real-name provider) |
| `recipient`, `contactPhone`, `province`, `city`, `district`, `addressDetail` | delivery |
| `serviceNumber` | add-ons and plans: the existing number (bound to the account) |
| `agreementsAccepted` (`true`) | the customer accepted the network access agreement and privacy policy |
| `termsAccepted` (`true`) | the customer accepted the number's or plan's terms |

A token with `order:prepaid` settles with the carrier: its orders start paid. Any other order is
acknowledged with a payment link for the customer (`payment[0].href`).

Hall's order states in TMF622's words:

| Hall | TMF622 |
| --- | --- |
| awaiting_payment | acknowledged |
| paid, in_fulfilment, shipped, delivered | inProgress |
| needs_attention | held |
| refunding | pendingCancellation |
| completed | completed |
| cancelled, closed_unpaid, refunded | cancelled |

A real-name verification still open on a paid order shows as `pending`.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request

from catalog.models import Offer
from integrations.models import ApiToken
from numberpool import holds
from openapi_tmf import catalog as tmf620
from openapi_tmf import numbers
from openapi_tmf.conventions import (
    Resource,
    TmfError,
    invalid,
    not_found,
    ref,
    time_filter,
    tmf_time,
    unprocessable,
    value_filter,
)
from openapi_tmf.models import Cancellation, OrderLink
from openapi_tmf.schema import resource_schema
from orders.aftersales import cancellation as paid_cancellation
from orders.aftersales import closing
from orders.cart import services as carts
from orders.checkout import services as checkout
from orders.checkout.form import CheckoutForm
from orders.models import Cart, Order, OrderLine, Verification
from orders.models import OrderStatus as S
from orders.payments import links
from orders.payments import services as payments

BASE = "/tmf-api/productOrderingManagement/v4/"
SCOPES = {"GET": "order:read", "*": "order:write"}
STATES: dict[str, str] = {
    S.AWAITING_PAYMENT: "acknowledged",
    S.PAID: "inProgress",
    S.IN_FULFILMENT: "inProgress",
    S.SHIPPED: "inProgress",
    S.DELIVERED: "inProgress",
    S.NEEDS_ATTENTION: "held",
    S.REFUNDING: "pendingCancellation",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.CLOSED_UNPAID: "cancelled",
    S.REFUNDED: "cancelled",
}
CHARACTERISTICS = {
    "holderName": "holder_name",
    "holderIdNumber": "holder_id_number",
    "recipient": "recipient",
    "contactPhone": "contact_phone",
    "province": "province",
    "city": "city",
    "district": "district",
    "addressDetail": "address_detail",
    "serviceNumber": "service_number",
}
MAX_ITEMS = 10
STR, TIME = {"type": "string"}, {"type": "string", "format": "date-time"}
REF = {"type": "object", "properties": {"id": STR, "href": STR}, "required": ["id"]}
CHARACTERISTICS_SCHEMA = {
    "type": "array",
    "items": {"type": "object", "properties": {"name": STR, "value": {}}, "required": ["name"]},
}
ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "id": STR,
        "action": {"type": "string", "enum": ["add"]},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
        "productOffering": REF,
        "product": {"type": "object", "properties": {"productCharacteristic": CHARACTERISTICS_SCHEMA}},
    },
    "required": ["productOffering"],
}
HOLD_MINUTES = 15


def _state(order: Order) -> str:
    if order.status in (S.PAID, S.IN_FULFILMENT) and _verifying(order):
        return "pending"
    return STATES.get(order.status, "inProgress")


def _verifying(order: Order) -> bool:
    try:
        return order.verification.status != Verification.Status.PASSED
    except Verification.DoesNotExist:
        return False


def _money(value: Decimal) -> dict:
    return {"taxIncludedAmount": {"unit": "CNY", "value": float(value)}}


def _render(order: Order, request: Request) -> dict:
    link: OrderLink | None = getattr(order, "tmf_link", None) if hasattr(order, "tmf_link") else None
    items = link.items if link else []
    lines = [line for line in order.lines.all() if line.category != OrderLine.Category.NUMBER_FEE]
    fee_by_number = {line.number: line for line in order.lines.all() if line.category == OrderLine.Category.NUMBER_FEE}
    rendered = []
    for index, line in enumerate(lines):
        sent = items[index] if index < len(items) else {}
        characteristic = [{"name": "number", "value": line.number, "valueType": "string"}] if line.number else []
        prices = [
            {
                "priceType": "oneTime",
                "name": line.name,
                "price": _money(line.unit_price * line.quantity - line.discount),
            }
        ]
        if line.number in fee_by_number:
            fee = fee_by_number[line.number]
            prices.append({"priceType": "oneTime", "name": fee.name, "price": _money(fee.unit_price - fee.discount)})
        rendered.append(
            {
                "id": str(sent.get("id") or index + 1),
                "action": sent.get("action", "add"),
                "quantity": line.quantity,
                "state": _state(order),
                **(
                    {"productOffering": ref(tmf620.BASE, "productOffering", request, line.offer_id, name=line.name)}
                    if line.offer_id
                    else {}
                ),
                "product": {"name": line.name, "productCharacteristic": characteristic, "@type": "Product"},
                "itemPrice": prices,
                "@type": "ProductOrderItem",
            }
        )
    body = {
        "id": order.number,
        "href": ORDER.href(request, order.number),
        "externalId": link.external_id if link else "",
        "category": order.kind,
        "description": order.get_kind_display(),
        "orderDate": tmf_time(order.created_at),
        "lastUpdate": tmf_time(order.status_changed_at),
        "state": _state(order),
        "productOrderItem": rendered,
        "relatedParty": (link.related_party if link else [])
        or [{"id": str(order.user_id), "role": "customer", "@referredType": "Individual"}],
        "orderTotalPrice": [{"priceType": "oneTime", "name": _("To pay"), "price": _money(order.payable)}],
        "channel": [{"id": link.channel if link else "shop", "name": link.channel if link else _("Online shop")}],
        "note": [{"text": str(order.identity)}] if order.identity_id else [],
    }
    if order.status == S.COMPLETED:
        body["completionDate"] = tmf_time(order.status_changed_at)
    settles = link is not None and link.token is not None and link.token.has_scope("order:prepaid")
    if order.status == S.AWAITING_PAYMENT and order.payable > 0 and not settles:
        body["payment"] = payment_refs(order)
    return body


def payment_refs(order: Order) -> list[dict]:
    """The customer's way to pay an order a partner placed: its signed payment link."""
    return [
        {
            "id": order.number,
            "href": links.pay_link(order),
            "name": _("Pay ¥%(amount)s by %(due)s") % {"amount": order.payable, "due": tmf_time(order.payment_due_at)},
            "@referredType": "Payment",
        }
    ]


def _orders(request: Request):
    orders = (
        Order.objects.select_related("tmf_link__token", "identity", "verification")
        .prefetch_related("lines")
        .order_by("-created_at", "-pk")
    )
    user = request.user
    return orders if user.is_staff else orders.filter(user_id=user.pk or 0)


def _order(request: Request, ident: str) -> Order:
    found = _orders(request).filter(number=ident).first()
    if found is None:
        raise not_found("productOrder", ident)
    return found


def _characteristics(item: dict) -> dict[str, Any]:
    product = item.get("product") or {}
    if not isinstance(product, dict):
        raise invalid(_("productOrderItem.product must be an object."), "product")
    listed = product.get("productCharacteristic") or []
    if not isinstance(listed, list):
        raise invalid(_("productCharacteristic must be a list of {name, value}."), "productCharacteristic")
    found = {}
    for entry in listed:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            found[entry["name"]] = entry.get("value")
    return found


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "yes", "1"))


def _items(data: dict) -> list[dict]:
    items = data.get("productOrderItem")
    if not isinstance(items, list) or not items:
        raise invalid(_("productOrderItem needs at least one item."), "productOrderItem")
    if len(items) > MAX_ITEMS:
        raise invalid(_("At most %(max)d items in one order.") % {"max": MAX_ITEMS}, "productOrderItem")
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise invalid(_("Each productOrderItem is an object."), "productOrderItem")
        if item.get("action", "add") != "add":
            raise unprocessable(_("Only new products (action add) can be ordered here."))
        offering = item.get("productOffering") or {}
        if not isinstance(offering, dict) or not offering.get("id"):
            raise unprocessable(_("Each item names a productOffering (its id from the product catalog)."))
        quantity = item.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= 99:
            raise invalid(_("quantity is a whole number from 1 to 99."), "quantity")
        parsed.append(
            {"item": item, "offering": str(offering["id"]), "quantity": quantity, "chars": _characteristics(item)}
        )
    return parsed


def _key(request: Request, data: dict) -> str:
    token: ApiToken = request.auth  # type: ignore[assignment]  # TokenScopes let only tokens in
    external = data.get("externalId") or request.headers.get("Idempotency-Key", "")
    if not isinstance(external, str) or len(external) > 40:
        raise invalid(_("externalId is a string of at most 40 characters."), "externalId")
    return f"tmf{token.pk}-{external}" if external else f"tmf{token.pk}-{secrets.token_hex(12)}"


def _fill_cart(cart: Cart, parsed: list[dict], request: Request, city: str) -> None:
    token: ApiToken = request.auth  # type: ignore[assignment]
    owner = carts.hold_owner(cart)
    for entry in parsed:
        chars = entry["chars"]
        number = chars.get("number")
        if chars.get("reservationId"):
            taken = numbers.take_over(str(chars["reservationId"]), token, owner)
            number = number or (taken[0] if taken else None)
        elif number:
            holds.hold(str(number), owner, minutes=HOLD_MINUTES, max_holds=MAX_ITEMS)
        try:
            offer_id = int(entry["offering"])
        except ValueError:
            raise unprocessable(_("No productOffering %(id)s.") % {"id": entry["offering"]}) from None
        if not Offer.objects.filter(pk=offer_id).exists():
            raise unprocessable(_("No productOffering %(id)s.") % {"id": entry["offering"]})
        carts.add_to_cart(
            cart,
            offer_id,
            entry["quantity"],
            variant_id=chars.get("variant") or None,
            city_code=city or None,
            number=str(number) if number else None,
        )


def _details(parsed: list[dict]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    agreements, terms = [], False
    for entry in parsed:
        chars = entry["chars"]
        for name, field in CHARACTERISTICS.items():
            if chars.get(name) not in (None, "") and field not in details:
                details[field] = str(chars[name])
        terms = terms or _flag(chars.get("termsAccepted"))
        if _flag(chars.get("agreementsAccepted")):
            agreements.append("*")
    return {**details, "accept_terms": terms, "_agreements": bool(agreements)}


def _place(request: Request, data: dict) -> Order:
    user: User = request.user  # type: ignore[assignment]
    parsed = _items(data)
    key = _key(request, data)
    parties = data.get("relatedParty") or []
    if not isinstance(parties, list) or not all(isinstance(p, dict) for p in parties):
        raise invalid(_("relatedParty must be a list of objects."), "relatedParty")
    if (done := checkout.placed_with(user, key)) is not None:  # a retry: finish what the first may not have
        return _finish(request, done, data, parsed, parties)
    wanted = _details(parsed)
    cart = Cart.objects.create(token=f"tmf{secrets.token_hex(14)}")
    try:
        _fill_cart(cart, parsed, request, "")
        plan = checkout.plan_checkout(cart, checkout.who_from(user, None))
        if plan.problems:
            raise unprocessable(" ".join(plan.problems))
        agreed = [n for n, _shown in plan.sims] if wanted.pop("_agreements") else []
        form = CheckoutForm(
            {**wanted, "agreements": agreed, "token": key, "expected_total": str(plan.payable)},
            needs=plan.needs,
            terms=plan.terms,
            sims=plan.sims,
        )
        if not form.is_valid():
            names = {v: k for k, v in CHARACTERISTICS.items()} | {
                "agreements": "agreementsAccepted",
                "accept_terms": "termsAccepted",
            }
            raise invalid(
                "; ".join(
                    f"{names.get(field, field)}: {' '.join(str(e) for e in errors)}"
                    for field, errors in form.errors.items()
                ),
                "productCharacteristic",
            )
        order = checkout.place_from_cart(
            user,
            cart,
            form.details(),
            token=key,
            expected_total=plan.payable,
            placing=lambda placed: _link(request, placed, data, parsed, parties),
        )
    except BaseException:
        for entry in parsed:  # a reservation's numbers stay the partner's
            if entry["chars"].get("reservationId"):
                numbers.give_back(str(entry["chars"]["reservationId"]), request.auth, carts.hold_owner(cart))  # type: ignore[arg-type]
        holds.release(carts.hold_owner(cart))  # the numbers this request held itself go back at once
        raise
    finally:
        Cart.objects.filter(pk=cart.pk).delete()
    return _finish(request, order, data, parsed, parties)


def _link(request: Request, order: Order, data: dict, parsed: list[dict], parties: list) -> None:
    """The channel's record of the order: in the placing transaction, so the order's first event
    already names the partner's own id and parties."""
    token: ApiToken = request.auth  # type: ignore[assignment]
    OrderLink.objects.get_or_create(
        order=order,
        defaults={
            "token": token,
            "channel": token.name,
            "external_id": str(data.get("externalId") or "")[:60],
            "related_party": parties[:10],
            "items": [{"id": str(e["item"].get("id", "")), "action": "add"} for e in parsed],
        },
    )


def _finish(request: Request, order: Order, data: dict, parsed: list[dict], parties: list) -> Order:
    """The channel's record of the order and, for a partner that settles, its payment: idempotent,
    so a retry after a crash between placing and this completes it."""
    token: ApiToken = request.auth  # type: ignore[assignment]
    _link(request, order, data, parsed, parties)
    order.refresh_from_db(fields=["status"])
    if token.has_scope("order:prepaid") and order.status == S.AWAITING_PAYMENT:
        payments.settle_by_partner(order, token.name)
    elif order.payable == 0 and order.status == S.AWAITING_PAYMENT:
        payments.settle_free(order)
    return _order(request, order.number)


ORDER = Resource(
    name="productOrder",
    type="ProductOrder",
    base=BASE,
    source=_orders,
    render=_render,
    lookup=_order,
    scopes=SCOPES,
    db_filters={
        "id": value_filter("number"),
        "externalId": value_filter("tmf_link__external_id"),
        "state": value_filter("status", lambda v: [k for k, s in STATES.items() if s == v] or ["-"]),
        "category": value_filter("kind"),
        "orderDate": time_filter("created_at"),
        "lastUpdate": time_filter("status_changed_at"),
    },
    create=_place,
    description="Orders placed through this token's account (a staff token sees every order).",
    schema=resource_schema(
        ["productOrderItem", "orderDate", "relatedParty", "state"],
        {
            "externalId": STR,
            "orderDate": TIME,
            "state": {"type": "string", "enum": sorted(set(STATES.values()) | {"pending"})},
            "productOrderItem": {"type": "array"},
            "relatedParty": {"type": "array"},
            "orderTotalPrice": {"type": "array"},
            "payment": {"type": "array"},
        },
    ),
    create_schema={
        "type": "object",
        "properties": {
            "externalId": {"type": "string", "maxLength": 40},
            "productOrderItem": {"type": "array", "items": ITEM_SCHEMA, "minItems": 1, "maxItems": MAX_ITEMS},
            "relatedParty": {"type": "array", "items": {"type": "object"}},
        },
        "required": ["productOrderItem"],
    },
)


# --- cancelProductOrder -----------------------------------------------------------------------


def _render_cancellation(row: Cancellation, request: Request) -> dict:
    return {
        "id": str(row.pk),
        "href": CANCELLATION.href(request, row.pk),
        "state": row.state,
        "cancellationReason": row.reason,
        "requestedCancellationDate": tmf_time(row.requested_at),
        "effectiveCancellationDate": tmf_time(row.done_at),
        "productOrder": ref(BASE, "productOrder", request, row.order.number),
        **({"message": row.message} if row.message else {}),
    }


def _cancellations(request: Request):
    rows = Cancellation.objects.select_related("order").order_by("requested_at", "pk")
    user = request.user
    return rows if user.is_staff else rows.filter(order__user_id=user.pk or 0)


def _cancellation(request: Request, ident: str) -> Cancellation:
    try:
        return _cancellations(request).get(pk=ident)
    except (ValueError, Cancellation.DoesNotExist, Exception):  # a malformed uuid is not found
        raise not_found("cancelProductOrder", ident) from None


def _cancel(request: Request, data: dict) -> Cancellation:
    target = data.get("productOrder") or {}
    if not isinstance(target, dict) or not target.get("id"):
        raise invalid(_("Name the productOrder to cancel (productOrder.id)."), "productOrder")
    order = _order(request, str(target["id"]))
    reason = str(data.get("cancellationReason") or "")[:200]
    if order.status in (S.CANCELLED, S.CLOSED_UNPAID, S.REFUNDED, S.REFUNDING):
        raise TmfError(_("This order is already cancelled or being cancelled."), 409, reason="Conflict")
    try:
        if order.status == S.AWAITING_PAYMENT:
            closing.cancel(order, actor=request.user, actor_label="partner", reason=reason)  # type: ignore[arg-type]
        else:
            paid_cancellation.cancel_paid(order, actor=request.user, actor_label="partner", reason=reason)  # type: ignore[arg-type]
    except (closing.CancelRefused, payments.PaymentError) as exc:
        return Cancellation.objects.create(order=order, reason=reason, state="terminatedWithError", message=exc.message)
    return Cancellation.objects.create(order=order, reason=reason, state="done", done_at=timezone.now())


CANCELLATION = Resource(
    name="cancelProductOrder",
    type="CancelProductOrder",
    base=BASE,
    source=_cancellations,
    render=_render_cancellation,
    lookup=_cancellation,
    scopes=SCOPES,
    create=_cancel,
    description="Cancelling an order: before payment it closes; paid and not shipped, it is refunded.",
    schema=resource_schema(
        ["state", "productOrder"],
        {
            "state": {"type": "string", "enum": ["done", "terminatedWithError"]},
            "productOrder": REF,
            "cancellationReason": STR,
        },
    ),
    create_schema={
        "type": "object",
        "properties": {"productOrder": REF, "cancellationReason": {"type": "string", "maxLength": 200}},
        "required": ["productOrder"],
    },
)

RESOURCES = [ORDER, CANCELLATION]
