"""TMF620 Product Catalog Management v4 over Hall's catalogue.

- productOffering = an `Offer` (its variants and attributes as prodSpecCharValueUse, its cities as
  place). Partners create offerings as drafts; staff publish them in the admin.
- productSpecification = an offer kind (`kind-plan`, `kind-phone`…: its attributes, e.g. a plan's
  data and minutes allowances, as productSpecCharacteristic), or one a partner created.
- productOfferingPrice = each offer's price (`offer-<id>`: monthly and recurring for plans, one-time
  otherwise), each number tier's one-time fee or prepayment (`tier-<id>`) and its minimum monthly
  spend (`tier-<id>-spend`), or one a partner created (and attached to offerings it creates).
- category = a `Category`; catalog = the carrier's one shop catalogue.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework.request import Request

from catalog import services as catalog_services
from catalog.kinds import KINDS
from catalog.models import Category, Offer
from numberpool.models import TierRule
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
from openapi_tmf.models import OfferingLink, Price, Specification
from openapi_tmf.schema import resource_schema
from orders.models import OrderLine
from tenants.gateways import current_carrier

BASE = "/tmf-api/productCatalogManagement/v4/"
READ = {"GET": "catalog:read", "*": "catalog:write"}
BUILT_IN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # kinds and tiers carry no timestamps of their own
LIFECYCLE: dict[str, str] = {"draft": "In design", "on_sale": "Launched", "off_sale": "Retired"}
DRAFT_STATES = {"In study", "In design", "In test"}
STR, BOOL, NUM = {"type": "string"}, {"type": "boolean"}, {"type": "number"}
TIME = {"type": "string", "format": "date-time"}
REF = {"type": "object", "properties": {"id": STR, "href": STR, "name": STR}, "required": ["id"]}
REFS = {"type": "array", "items": REF}
MONEY = {"type": "object", "properties": {"unit": STR, "value": NUM}}
CATALOG_ITEM = {"name": STR, "lastUpdate": TIME, "lifecycleStatus": STR, "version": STR, "description": STR}

RECURRING_KINDS = {"plan"}


def _money(value: Decimal | None) -> dict | None:
    return None if value is None else {"unit": "CNY", "value": float(value)}


def _str(data: dict, name: str, limit: int, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise invalid(_("%(name)s is required.") % {"name": name}, name)
        return ""
    if not isinstance(value, str):
        raise invalid(_("%(name)s must be a string.") % {"name": name}, name)
    if len(value) > limit:
        raise invalid(_("%(name)s is longer than %(limit)d characters.") % {"name": name, "limit": limit}, name)
    return value.strip()


def _object(data: dict, name: str) -> dict:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(_("%(name)s must be an object.") % {"name": name}, name)
    return value


def _list(data: dict, name: str) -> list:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise invalid(_("%(name)s must be a list of objects.") % {"name": name}, name)
    return value


# --- who may change what ----------------------------------------------------------------------


def _staff(request: Request) -> bool:
    return bool(getattr(request.user, "is_staff", False))


def _own(request: Request, account_id: int | None) -> None:
    """A partner changes only what its own account created; staff tokens change anything."""
    if not _staff(request) and (account_id is None or account_id != request.user.pk):
        raise TmfError(
            _("Only what this account created through the API can be changed here."), 403, reason="Forbidden"
        )


# --- productSpecification -------------------------------------------------------------------


def _value_type(form_field: forms.Field) -> str:
    if isinstance(form_field, forms.BooleanField):
        return "boolean"
    if isinstance(form_field, forms.IntegerField):  # DecimalField is one too
        return "number"
    return "string"


def _kind_characteristics(kind: str) -> list[dict]:
    return [
        {
            "name": a.name,
            "description": str(a.label),
            "valueType": _value_type(a.form_field()),
            "configurable": False,
            "@type": "ProductSpecificationCharacteristic",
            **(
                {"productSpecCharacteristicValue": [{"value": v, "isDefault": False} for v, _l in a.choices]}
                if a.choices
                else {}
            ),
        }
        for a in KINDS[kind].attributes
    ]


def _render_spec(spec: Any, request: Request) -> dict:
    if isinstance(spec, str):  # a kind
        kind = KINDS[spec]
        return {
            "id": f"kind-{spec}",
            "href": SPECIFICATION.href(request, f"kind-{spec}"),
            "name": str(kind.label),
            "description": str(kind.label),
            "brand": current_carrier().name,
            "version": "1.0",
            "isBundle": False,
            "lastUpdate": tmf_time(BUILT_IN),
            "lifecycleStatus": "Launched",
            "productSpecCharacteristic": _kind_characteristics(spec),
        }
    return {
        "id": str(spec.pk),
        "href": SPECIFICATION.href(request, spec.pk),
        "name": spec.name,
        "description": spec.description,
        "brand": spec.brand,
        "version": spec.version,
        "isBundle": False,
        "lastUpdate": tmf_time(spec.updated_at),
        "lifecycleStatus": spec.lifecycle_status,
        "productSpecCharacteristic": spec.characteristics,
    }


def _specs(request: Request) -> list:
    return list(KINDS) + list(Specification.objects.all())


def _spec(request: Request, ident: str) -> Any:
    if ident.startswith("kind-") and ident[5:] in KINDS:
        return ident[5:]
    try:
        return Specification.objects.get(pk=uuid.UUID(ident))
    except (ValueError, Specification.DoesNotExist):
        raise not_found("productSpecification", ident) from None


def _apply_spec(spec: Specification, data: dict) -> None:
    if "name" in data:
        spec.name = _str(data, "name", 120, required=True)
    for attr, name, limit in (("description", "description", 2000), ("brand", "brand", 60), ("version", "version", 20)):
        if name in data:
            setattr(spec, attr, _str(data, name, limit))
    if "lifecycleStatus" in data:
        spec.lifecycle_status = _str(data, "lifecycleStatus", 20) or "In design"
    if "productSpecCharacteristic" in data:
        spec.characteristics = _list(data, "productSpecCharacteristic")


def _create_spec(request: Request, data: dict) -> Specification:
    spec = Specification(name="", account_id=request.user.pk)
    _apply_spec(spec, {"name": data.get("name"), **data})
    if data.get("isBundle"):
        raise unprocessable(_("Bundled specifications are not supported."))
    spec.save()
    return spec


def _update_spec(request: Request, spec: Any, data: dict) -> Specification:
    if isinstance(spec, str):
        raise TmfError(_("A built-in specification (an offer kind) cannot be changed."), 409, reason="Conflict")
    _own(request, spec.account_id)
    _apply_spec(spec, data)
    spec.save()
    return spec


def _delete_spec(request: Request, spec: Any) -> None:
    if isinstance(spec, str):
        raise TmfError(_("A built-in specification (an offer kind) cannot be deleted."), 409, reason="Conflict")
    _own(request, spec.account_id)
    spec.delete()


SPECIFICATION = Resource(
    name="productSpecification",
    type="ProductSpecification",
    base=BASE,
    source=_specs,
    render=_render_spec,
    lookup=_spec,
    scopes=READ,
    create=_create_spec,
    update=_update_spec,
    delete=_delete_spec,
    description="Offer kinds (built in, read-only) and the specifications partners created.",
    schema=resource_schema(
        ["name", "lastUpdate", "lifecycleStatus"],
        CATALOG_ITEM | {"brand": STR, "isBundle": BOOL, "productSpecCharacteristic": {"type": "array"}},
    ),
    create_schema={
        "type": "object",
        "properties": {
            "name": STR,
            "description": STR,
            "brand": STR,
            "version": STR,
            "productSpecCharacteristic": {"type": "array"},
        },
        "required": ["name"],
    },
)


# --- productOfferingPrice -------------------------------------------------------------------


def _derived_prices() -> list:
    rows: list = [("offer", o) for o in Offer.objects.order_by("pk")]
    for tier in TierRule.objects.order_by("position", "pk"):
        rows.append(("tier", tier))
        if tier.minimum_spend:
            rows.append(("spend", tier))
    return rows


def _render_price(row: Any, request: Request) -> dict:
    if isinstance(row, Price):
        return {
            "id": str(row.pk),
            "href": PRICE.href(request, row.pk),
            "name": row.name,
            "description": row.description,
            "version": row.version,
            "isBundle": False,
            "lastUpdate": tmf_time(row.updated_at),
            "lifecycleStatus": row.lifecycle_status,
            "priceType": row.price_type,
            **({"recurringChargePeriodType": row.period} if row.period else {}),
            **({"price": _money(row.value)} if row.value is not None else {}),
        }
    what, obj = row
    if what == "offer":
        recurring = obj.kind in RECURRING_KINDS
        ident = f"offer-{obj.pk}"
        body = {
            "name": _("%(offer)s price") % {"offer": obj.name},
            "priceType": "recurring" if recurring else "oneTime",
            **({"recurringChargePeriodType": "month", "recurringChargePeriodLength": 1} if recurring else {}),
            "price": _money(obj.sale_price),
            "lastUpdate": tmf_time(obj.updated_at),
            "lifecycleStatus": LIFECYCLE.get(obj.status, "In design"),
        }
    elif what == "tier":
        ident = f"tier-{obj.pk}"
        body = {
            "name": _("Number fee or prepayment: %(tier)s") % {"tier": obj.tier},
            "priceType": "oneTime",
            "price": _money(obj.price),
            "lastUpdate": tmf_time(BUILT_IN),
            "lifecycleStatus": "Launched" if obj.is_active else "Retired",
        }
    else:
        ident = f"tier-{obj.pk}-spend"
        body = {
            "name": _("Minimum monthly spend: %(tier)s") % {"tier": obj.tier},
            "priceType": "recurring",
            "recurringChargePeriodType": "month",
            "recurringChargePeriodLength": 1,
            "price": _money(obj.minimum_spend),
            "lastUpdate": tmf_time(BUILT_IN),
            "lifecycleStatus": "Launched" if obj.is_active else "Retired",
        }
        if obj.contract_months:
            body["description"] = _("for %(months)d months") % {"months": obj.contract_months}
    return {"id": ident, "href": PRICE.href(request, ident), "version": "1.0", "isBundle": False, **body}


def _prices(request: Request) -> list:
    return list(Price.objects.all()) + _derived_prices()


def _price(request: Request, ident: str) -> Any:
    kind, _dash, rest = ident.partition("-")
    try:
        if kind == "offer":
            return ("offer", Offer.objects.get(pk=int(rest)))
        if kind == "tier" and rest.endswith("-spend"):
            tier = TierRule.objects.get(pk=int(rest[: -len("-spend")]))
            if tier.minimum_spend:
                return ("spend", tier)
        elif kind == "tier":
            return ("tier", TierRule.objects.get(pk=int(rest)))
        else:
            return Price.objects.get(pk=uuid.UUID(ident))
    except (ValueError, Offer.DoesNotExist, TierRule.DoesNotExist, Price.DoesNotExist):
        pass
    raise not_found("productOfferingPrice", ident)


def _amount(data: dict) -> Decimal | None:
    price = _object(data, "price")
    if not price or price.get("value") is None:
        return None
    unit = price.get("unit") or "CNY"
    if unit != "CNY":
        raise unprocessable(_("Prices are in yuan (unit CNY), not %(unit)s.") % {"unit": unit})
    try:
        value = Decimal(str(price["value"]))
    except InvalidOperation:
        raise invalid(_("price.value must be a number."), "price") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise invalid(_("price.value must be between 0 and 9999999999.99."), "price")
    return value.quantize(Decimal("0.01"))


def _apply_price(price: Price, data: dict) -> None:
    if "name" in data:
        price.name = _str(data, "name", 120, required=True)
    if "description" in data:
        price.description = _str(data, "description", 2000)
    if "version" in data:
        price.version = _str(data, "version", 20)
    if "lifecycleStatus" in data:
        price.lifecycle_status = _str(data, "lifecycleStatus", 20) or "In design"
    if "priceType" in data:
        kind = _str(data, "priceType", 10) or Price.PriceType.ONE_TIME
        if kind not in Price.PriceType.values:
            raise invalid(_("priceType is one of oneTime, recurring, usage."), "priceType")
        price.price_type = kind
    if "recurringChargePeriodType" in data:
        price.period = _str(data, "recurringChargePeriodType", 10)
    if "price" in data:
        price.value = _amount(data)


def _create_price(request: Request, data: dict) -> Price:
    if data.get("isBundle"):
        raise unprocessable(_("Bundled prices are not supported."))
    price = Price(name="", account_id=request.user.pk)
    _apply_price(price, {"name": data.get("name"), **data})
    price.save()
    return price


def _update_price(request: Request, row: Any, data: dict) -> Price:
    if not isinstance(row, Price):
        raise TmfError(_("This price is an offer's or a number tier's: change it there."), 409, reason="Conflict")
    _own(request, row.account_id)
    if row.offer is not None and row.offer.status != Offer.Status.DRAFT and not _staff(request):
        raise TmfError(
            _("The offering of this price is in the shop: its price is the carrier's to change."),
            409,
            reason="Conflict",
        )
    _apply_price(row, data)
    row.save()
    if row.offer is not None and row.value is not None:
        _set_offer_price(row.offer, row.value)
    return row


def _delete_price(request: Request, row: Any) -> None:
    if not isinstance(row, Price):
        raise TmfError(_("This price is an offer's or a number tier's: change it there."), 409, reason="Conflict")
    _own(request, row.account_id)
    row.delete()


PRICE = Resource(
    name="productOfferingPrice",
    type="ProductOfferingPrice",
    base=BASE,
    source=_prices,
    render=_render_price,
    lookup=_price,
    scopes=READ,
    create=_create_price,
    update=_update_price,
    delete=_delete_price,
    description="Each offer's price, each number tier's fee and minimum spend (read-only), and partners' prices.",
    schema=resource_schema(
        ["name", "lastUpdate", "lifecycleStatus", "priceType"],
        CATALOG_ITEM | {"priceType": STR, "isBundle": BOOL, "price": MONEY, "recurringChargePeriodType": STR},
    ),
    create_schema={
        "type": "object",
        "properties": {
            "name": STR,
            "priceType": {"type": "string", "enum": ["oneTime", "recurring", "usage"]},
            "price": MONEY,
            "recurringChargePeriodType": STR,
        },
        "required": ["name"],
    },
)


# --- productOffering ------------------------------------------------------------------------


def _char_uses(offer: Offer) -> list[dict]:
    uses = []
    for attribute in offer.kind_spec.attributes:
        value = offer.attributes.get(attribute.name)
        if value in (None, ""):
            continue
        uses.append(
            {
                "name": attribute.name,
                "description": str(attribute.label),
                "valueType": "boolean" if isinstance(value, bool) else "number" if isinstance(value, int) else "string",
                "productSpecCharacteristicValue": [
                    {
                        "value": value,
                        "isDefault": True,
                        **({"unitOfMeasure": attribute.unit.strip()} if attribute.unit else {}),
                    }
                ],
                "@type": "ProductSpecCharacteristicValueUse",
            }
        )
    variants = list(offer.variants.all())
    if variants:
        uses.append(
            {
                "name": "variant",
                "description": str(_("Colour and storage")),
                "valueType": "string",
                "productSpecCharacteristicValue": [
                    {
                        "value": str(v),
                        "isDefault": i == 0,
                        "valueType": "string",
                        "@type": "CharacteristicValue",
                        "id": str(v.pk),
                    }
                    for i, v in enumerate(variants)
                ],
                "@type": "ProductSpecCharacteristicValueUse",
            }
        )
    return uses


def _render_offering(offer: Offer, request: Request) -> dict:
    link = getattr(offer, "tmf_link", None) if hasattr(offer, "tmf_link") else None
    spec = link.specification if link and link.specification else None
    if spec is None:
        spec = ref(BASE, "productSpecification", request, f"kind-{offer.kind}", name=str(offer.kind_spec.label))
    prices = [
        ref(
            BASE,
            "productOfferingPrice",
            request,
            f"offer-{offer.pk}",
            name=_("%(offer)s price") % {"offer": offer.name},
        )
    ]
    prices += [ref(BASE, "productOfferingPrice", request, p.pk, name=p.name) for p in offer.tmf_prices.all()]
    return {
        "id": str(offer.pk),
        "href": OFFERING.href(request, offer.pk),
        "name": offer.name,
        "description": offer.subtitle,
        "version": link.version if link else "1.0",
        "lastUpdate": tmf_time(offer.updated_at),
        "lifecycleStatus": LIFECYCLE.get(offer.status, "In design"),
        "isBundle": False,
        "isSellable": offer.status == Offer.Status.ON_SALE,
        "validFor": {"startDateTime": tmf_time(offer.publish_start), "endDateTime": tmf_time(offer.publish_end)},
        "category": [ref(BASE, "category", request, offer.category_id, name=offer.category.name)],
        "productSpecification": spec,
        "productOfferingPrice": prices,
        "prodSpecCharValueUse": _char_uses(offer),
        "place": [{"id": code, "@referredType": "GeographicAddress"} for code in offer.available_cities],
        "attachment": [
            {"url": request.build_absolute_uri(image.image.url), "attachmentType": "picture", "description": image.alt}
            for image in offer.images.all()
        ],
    }


def _offerings(request: Request):
    return (
        Offer.objects.select_related("category", "tmf_link")
        .prefetch_related("variants", "images", "tmf_prices")
        .order_by("pk")
    )


def _offering(request: Request, ident: str) -> Offer:
    try:
        return _offerings(request).get(pk=int_id(ident))
    except (ValueError, Offer.DoesNotExist):
        raise not_found("productOffering", ident) from None


def _kind_for(spec: dict) -> str:
    ident = str(spec.get("id", ""))
    if ident.startswith("kind-") and ident[5:] in KINDS:
        return ident[5:]
    try:
        stored = Specification.objects.filter(pk=uuid.UUID(ident)).first()
    except ValueError:
        stored = None
    if stored is not None and stored.kind in KINDS:
        return stored.kind
    return "phone"  # a device or goods: what a dangling DeviceSpecification reference most often is


def _category_for(data: dict, kind: str) -> Category:
    named = _list(data, "category")
    if named:
        try:
            category = Category.objects.get(pk=int(named[0].get("id", "")))
        except (ValueError, Category.DoesNotExist):
            raise unprocessable(_("No category with id %(id)s.") % {"id": named[0].get("id")}) from None
        if category.kind and category.kind != kind:
            raise unprocessable(
                _("Category %(category)s holds %(kind)s offers.")
                % {"category": category.name, "kind": KINDS[category.kind].label}
            )
        return category
    fallback = (
        Category.objects.filter(kind=kind).order_by("pk").first()
        or Category.objects.filter(kind="").order_by("pk").first()
    )
    if fallback is None:
        raise unprocessable(_("Name a category (there is none for %(kind)s offers yet).") % {"kind": KINDS[kind].label})
    return fallback


def _stored_prices(data: dict, request: Request) -> list[Price]:
    found = []
    for item in _list(data, "productOfferingPrice"):
        ident = str(item.get("id", ""))
        try:
            price = Price.objects.get(pk=uuid.UUID(ident))
        except (ValueError, Price.DoesNotExist):
            raise unprocessable(
                _("No productOfferingPrice %(id)s to attach (create it first).") % {"id": ident}
            ) from None
        _own(request, price.account_id)
        found.append(price)
    return found


def _set_offer_price(offer: Offer, value: Decimal) -> None:
    offer.sale_price = value
    offer.list_price = max(offer.list_price, value)
    offer.save(update_fields=["sale_price", "list_price", "updated_at"])


def _window(data: dict, offer: Offer) -> None:
    if "validFor" not in data:
        return
    window = _object(data, "validFor")
    start, end = window.get("startDateTime"), window.get("endDateTime")
    offer.publish_start = parse_time(start) if start else None
    offer.publish_end = parse_time(end) if end else None
    if offer.publish_start and offer.publish_end and offer.publish_end <= offer.publish_start:
        raise invalid(_("validFor ends before it starts."), "validFor")


def _attributes(data: dict, kind: str) -> dict:
    """The kind's attributes the partner gave values for (prodSpecCharValueUse), each checked as the
    admin checks it; the rest stay for staff to fill in before they launch the offering."""
    by_name = {a.name: a for a in KINDS[kind].attributes}
    values = {}
    for use in _list(data, "prodSpecCharValueUse"):
        attribute = by_name.get(use.get("name", ""))
        options = use.get("productSpecCharacteristicValue") or []
        if attribute is None or not options or not isinstance(options[0], dict) or "value" not in options[0]:
            continue
        try:
            value = attribute.form_field(required=False).clean(options[0]["value"])
        except ValidationError as exc:
            raise invalid(f"{attribute.name}: {' '.join(exc.messages)}", "prodSpecCharValueUse") from None
        values[attribute.name] = str(value) if isinstance(value, Decimal) else value
    return values


def _create_offering(request: Request, data: dict) -> Offer:
    name = _str(data, "name", 60, required=True)
    state = data.get("lifecycleStatus") or "In design"
    if state not in DRAFT_STATES:
        raise unprocessable(_("New offerings start in design; the carrier's staff launch them in the shop's admin."))
    if data.get("isBundle"):
        raise unprocessable(_("Bundled offerings are not supported."))
    spec = _object(data, "productSpecification")
    kind = _kind_for(spec)
    with transaction.atomic():
        prices = _stored_prices(data, request)
        value = next((p.value for p in prices if p.value is not None), Decimal("0"))
        offer = Offer(
            kind=kind,
            category=_category_for(data, kind),
            name=name,
            slug=f"{slugify(name)[:40] or 'offer'}-{secrets.token_hex(4)}",
            subtitle=_str(data, "description", 2000)[:120],
            description=_str(data, "description", 2000),
            list_price=value,
            sale_price=value,
            attributes=_attributes(data, kind),
            status=Offer.Status.DRAFT,
        )
        _window(data, offer)
        offer.save()
        OfferingLink.objects.create(
            offer=offer,
            account_id=request.user.pk,
            specification={k: v for k, v in spec.items() if k in ("id", "href", "name", "version", "@referredType")},
            version=_str(data, "version", 20) or "1.0",
        )
        Price.objects.filter(pk__in=[p.pk for p in prices]).update(offer=offer)
    return _offering(request, str(offer.pk))


def _partner_may(request: Request, offer: Offer, data: dict) -> None:
    """A partner changes only offerings it created; once staff launched one, only retiring it."""
    if _staff(request):
        return
    link = OfferingLink.objects.filter(offer=offer).first()
    _own(request, link.account_id if link else None)
    if offer.status != Offer.Status.DRAFT and set(data) - {"lifecycleStatus"}:
        raise TmfError(
            _("This offering is in the shop: only the carrier's staff change it now (you may retire it)."),
            409,
            reason="Conflict",
        )


def _update_offering(request: Request, offer: Offer, data: dict) -> Offer:
    _partner_may(request, offer, data)
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        if "name" in data:
            offer.name = _str(data, "name", 60, required=True)
        if "description" in data:
            offer.description = _str(data, "description", 2000)
            offer.subtitle = offer.description[:120]
        _window(data, offer)
        if "category" in data:
            offer.category = _category_for(data, offer.kind)
        if "prodSpecCharValueUse" in data:
            offer.attributes = {**offer.attributes, **_attributes(data, offer.kind)}
        state = data.get("lifecycleStatus")
        status = offer.status
        if state is not None and state != LIFECYCLE.get(offer.status):
            if state == "Retired":
                status = Offer.Status.OFF_SALE
            elif state in DRAFT_STATES and offer.status == Offer.Status.DRAFT:
                pass
            else:
                raise unprocessable(_("Only the carrier's staff launch an offering in the shop (in the admin)."))
        offer.save()
        if status != offer.status:
            catalog_services.set_status(Offer.objects.filter(pk=offer.pk), status)
        if "productOfferingPrice" in data:
            prices = _stored_prices(data, request)
            Price.objects.filter(offer=offer).exclude(pk__in=[p.pk for p in prices]).update(offer=None)
            Price.objects.filter(pk__in=[p.pk for p in prices]).update(offer=offer)
            value = next((p.value for p in prices if p.value is not None), None)
            if value is not None:
                _set_offer_price(offer, value)
        if "version" in data and hasattr(offer, "tmf_link"):
            OfferingLink.objects.filter(offer=offer).update(version=_str(data, "version", 20) or "1.0")
    return _offering(request, str(offer.pk))


def _delete_offering(request: Request, offer: Offer) -> None:
    _partner_may(request, offer, {"delete": True})
    if OrderLine.objects.filter(offer=offer).exists():
        raise TmfError(
            _("This offering has orders and stays for their records: retire it (lifecycleStatus Retired)."),
            409,
            reason="Conflict",
        )
    try:
        offer.delete()
    except ProtectedError:
        raise TmfError(_("This offering is still referred to; retire it instead."), 409, reason="Conflict") from None


OFFERING = Resource(
    name="productOffering",
    type="ProductOffering",
    base=BASE,
    source=_offerings,
    render=_render_offering,
    lookup=_offering,
    scopes=READ,
    db_filters={
        "id": value_filter("pk", int_id),
        "name": value_filter("name"),
        "lifecycleStatus": value_filter("status", lambda v: [k for k, s in LIFECYCLE.items() if s == v] or ["-"]),
        "lastUpdate": time_filter("updated_at"),
    },
    create=_create_offering,
    update=_update_offering,
    delete=_delete_offering,
    description="The shop's offers. Created offerings are drafts until the carrier's staff launch them.",
    schema=resource_schema(
        ["name", "lastUpdate", "lifecycleStatus", "productSpecification"],
        CATALOG_ITEM
        | {
            "isBundle": BOOL,
            "isSellable": BOOL,
            "category": REFS,
            "productSpecification": REF,
            "productOfferingPrice": REFS,
            "prodSpecCharValueUse": {"type": "array"},
            "validFor": {"type": "object"},
        },
    ),
    create_schema={
        "type": "object",
        "properties": {
            "name": STR,
            "description": STR,
            "productSpecification": REF,
            "productOfferingPrice": REFS,
            "category": REFS,
            "validFor": {"type": "object"},
            "prodSpecCharValueUse": {"type": "array"},
        },
        "required": ["name"],
    },
)


# --- category and catalog -------------------------------------------------------------------


def _render_category(category: Category, request: Request) -> dict:
    return {
        "id": str(category.pk),
        "href": CATEGORY.href(request, category.pk),
        "name": category.name,
        "description": KINDS[category.kind].label if category.kind else "",
        "version": "1.0",
        "lastUpdate": tmf_time(BUILT_IN),
        "lifecycleStatus": "Launched" if category.is_active else "Retired",
        "isRoot": category.parent_id is None,
        **({"parentId": str(category.parent_id)} if category.parent_id else {}),
        "subCategory": [ref(BASE, "category", request, c.pk, name=c.name) for c in category.children.all()],
    }


def _categories(request: Request):
    return Category.objects.prefetch_related("children").order_by("pk")


def _category(request: Request, ident: str) -> Category:
    try:
        return _categories(request).get(pk=int_id(ident))
    except (ValueError, Category.DoesNotExist):
        raise not_found("category", ident) from None


def _create_category(request: Request, data: dict) -> Category:
    name = _str(data, "name", 40, required=True)
    parent = None
    if data.get("parentId"):
        parent = _category(request, str(data["parentId"]))
    return Category.objects.create(
        name=name, parent=parent, slug=f"{slugify(name)[:30] or 'category'}-{secrets.token_hex(3)}"
    )


CATEGORY = Resource(
    name="category",
    type="Category",
    base=BASE,
    source=_categories,
    render=_render_category,
    lookup=_category,
    scopes=READ,
    db_filters={"id": value_filter("pk", int_id), "name": value_filter("name")},
    create=_create_category,
    description="The shop's categories.",
    schema=resource_schema(["name", "lastUpdate", "lifecycleStatus"], CATALOG_ITEM | {"isRoot": BOOL, "parentId": STR}),
    create_schema={"type": "object", "properties": {"name": STR, "parentId": STR}, "required": ["name"]},
)


def _render_catalog(_obj: Any, request: Request) -> dict:
    carrier = current_carrier()
    return {
        "id": "shop",
        "href": CATALOG.href(request, "shop"),
        "name": carrier.name,
        "description": _("The online business hall of %(carrier)s") % {"carrier": carrier.name},
        "catalogType": "productCatalog",
        "version": "1.0",
        "lastUpdate": tmf_time(BUILT_IN),
        "lifecycleStatus": "Launched",
        "category": [ref(BASE, "category", request, c.pk, name=c.name) for c in Category.objects.filter(parent=None)],
    }


def _catalog(request: Request, ident: str) -> str:
    if ident != "shop":
        raise not_found("catalog", ident)
    return "shop"


CATALOG = Resource(
    name="catalog",
    type="Catalog",
    base=BASE,
    source=lambda request: ["shop"],
    render=_render_catalog,
    lookup=_catalog,
    scopes=READ,
    description="The carrier's one catalogue.",
    schema=resource_schema(["name", "lastUpdate", "lifecycleStatus"], CATALOG_ITEM | {"category": REFS}),
)

RESOURCES = [CATALOG, CATEGORY, OFFERING, SPECIFICATION, PRICE]
