"""TMF637 Product Inventory v4 over the BSS's products of a number (the same reads, and the same
short cache, as 我的: selfcare.selectors).

- product = one thing a number has: its plan, an add-on or offer it joined, a value-added service.
  id `<number>-<BSS product code>`; `productOffering` refers to the TMF620 offering whose slug is
  the code (plans and add-ons bought here); `productCharacteristic` carries the number (MSISDN),
  and a plan's contract end; `productPrice` its monthly fee.
- status: the subscription's status (active, suspended; a closed number's products are
  terminated), and for an add-on or service that ends, pendingTerminate until its last day and
  terminated after it. A plan's `ends_on` is its contract's end, not a termination.
- Who sees what: openapi_tmf.parties (staff: any number, one number or account at a time with
  `?publicIdentifier=<number>` or `?relatedParty.id=<account id>`; partners: the numbers sold
  through their own orders). Parties are masked.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request

from catalog.models import Offer
from openapi_tmf import parties
from openapi_tmf.conventions import Resource, TmfError, not_found, ref, tmf_time
from selfcare import selectors
from tenants.gateways.bss import Product, Subscriber

BASE = "/tmf-api/productInventory/v4/"
CATALOG = "/tmf-api/productCatalogManagement/v4/"
SCOPES = {"GET": "inventory:read"}
NUMBER_FILTER = "publicIdentifier"
STATUS = {"active": "active", "suspended": "suspended", "closed": "terminated"}


class Held(NamedTuple):
    """A product with the number and subscription it belongs to (what one document renders)."""

    number: str
    subscriber: Subscriber
    product: Product
    offer: Offer | None
    parties: list[dict]


def day(value: dt.date | None) -> str | None:
    """A BSS date as a TMF time: its first moment in the carrier's time zone, in UTC."""
    if value is None:
        return None
    return tmf_time(timezone.make_aware(dt.datetime.combine(value, dt.time())))


def bss_card(number: str) -> selectors.NumberCard:
    card = selectors.plan_card(number)
    if card.unavailable:
        raise TmfError(
            _("The carrier's system did not answer. Please try again in a moment."), 503, reason="Unavailable"
        )
    return card


def _held(numbers: list[str]) -> list[Held]:
    found = []
    for number in numbers:
        card = bss_card(number)
        if card.subscriber is None:  # not (or no longer) a number of this carrier
            continue
        codes = [p.code for p in card.products]
        offers = {o.slug: o for o in Offer.objects.filter(slug__in=codes)}
        who = parties.parties(number)
        found += [Held(number, card.subscriber, p, offers.get(p.code), who) for p in card.products]
    return found


def _status(held: Held) -> str:
    status = STATUS.get(held.subscriber.status, "active")
    ends = held.product.ends_on
    if status != "terminated" and held.product.kind != "plan" and ends is not None:
        return "terminated" if ends < timezone.localdate() else "pendingTerminate"
    return status


def _render(held: Held, request: Request) -> dict:
    product, number = held.product, held.number
    ident = f"{number}-{product.code}"
    characteristics = [{"name": "MSISDN", "valueType": "string", "value": number}]
    if product.kind == "plan" and product.ends_on:
        characteristics.append({"name": "contractEndDate", "valueType": "string", "value": product.ends_on.isoformat()})
    document = {
        "id": ident,
        "href": PRODUCT.href(request, ident),
        "name": product.name,
        "description": product.name,
        "publicIdentifier": number,
        "productSerialNumber": product.code,
        "isBundle": False,
        "isCustomerVisible": True,
        "status": _status(held),
        "startDate": day(product.starts_on),
        "terminationDate": day(product.ends_on) if product.kind != "plan" else None,
        "productCharacteristic": characteristics,
        "productPrice": [
            {
                "priceType": "recurring",
                "recurringChargePeriod": "month",
                "price": {"taxIncludedAmount": {"unit": "CNY", "value": float(product.monthly_fee)}},
            }
        ],
        "productSpecification": {"id": f"kind-{product.kind}", "name": product.kind},
        "relatedParty": held.parties,
    }
    if held.offer is not None:
        document["productOffering"] = ref(CATALOG, "productOffering", request, held.offer.pk, name=held.offer.name)
    return document


def _products(request: Request) -> list[Held]:
    return _held(parties.listed_numbers(request, NUMBER_FILTER))


def _product(request: Request, ident: str) -> Held:
    number, dash, code = ident[:11], ident[11:12], ident[12:]
    if dash != "-" or not code or not parties.may_read(request, number):
        raise not_found("product", ident)
    found = next((h for h in _held([number]) if h.product.code == code), None)
    if found is None:
        raise not_found("product", ident)
    return found


_PARTY = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "role": {"type": "string", "enum": ["customer", "holder", "buyer"]},
        "name": {"type": "string", "description": "masked"},
        "@referredType": {"type": "string"},
    },
}

PRODUCT = Resource(
    name="product",
    type="Product",
    base=BASE,
    source=_products,
    render=_render,
    lookup=_product,
    scopes=SCOPES,
    schema={
        "type": "object",
        "description": "Without fields=, always has: name, status, publicIdentifier.",
        "required": ["id", "href", "@type"],
        "properties": {
            "id": {"type": "string", "description": "<number>-<product code>"},
            "href": {"type": "string", "format": "uri"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "publicIdentifier": {"type": "string", "description": "The mobile number"},
            "productSerialNumber": {"type": "string", "description": "The BSS's product code"},
            "isBundle": {"type": "boolean"},
            "isCustomerVisible": {"type": "boolean"},
            "status": {
                "type": "string",
                "enum": ["active", "suspended", "pendingTerminate", "terminated"],
            },
            "startDate": {"type": "string", "format": "date-time"},
            "terminationDate": {"type": "string", "format": "date-time", "nullable": True},
            "productCharacteristic": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "valueType": {"type": "string"}, "value": {}},
                },
            },
            "productPrice": {"type": "array", "items": {"type": "object"}},
            "productOffering": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "href": {"type": "string"}, "name": {"type": "string"}},
            },
            "productSpecification": {"type": "object"},
            "relatedParty": {"type": "array", "items": _PARTY},
            "@type": {"type": "string"},
        },
    },
    description="What a number has (plan, add-ons, services), from the carrier's BSS. Read-only.",
)

RESOURCES = [PRODUCT]
