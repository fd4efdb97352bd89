"""Offer kinds and their typed attributes.

Why one `Offer` table with per-kind attributes (a JSON document validated here) instead of a
model per kind: listing, search, compare, cart and orders treat every offer alike (one foreign
key from a cart or order line, one query for a mixed category page, no five-way joins), while
each kind's own attributes are few and flat. Declaring them here gives validation (Django form
fields), admin forms, filters, compare rows and API output from one place, and a new kind is one
entry in KINDS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Attribute:
    name: str
    label: str
    make_field: callable
    unit: str = ""
    filter: str = ""  # "" (none), "min" (at least), "choice" (one of the values)
    zero: str = ""  # what 0 means in words ("no contract", "free"), shown instead of "0 months"
    choices: tuple = ()  # (value, label) pairs: a choice shows as its label, never its code
    unit_by: tuple = ()  # (other attribute, {its value: unit}): a unit that depends on another value

    def form_field(self, required=None) -> forms.Field:
        f = self.make_field()
        f.label = self.label
        if required is not None:
            f.required = required
        return f

    def display(self, value, attributes: dict | None = None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return str(_("Yes")) if value else str(_("No"))
        if self.choices:
            return str(dict(self.choices).get(value, value))
        if self.zero and _is_zero(value):
            return str(self.zero)
        unit = self.unit
        if self.unit_by:
            other, units = self.unit_by
            unit = units.get((attributes or {}).get(other), unit)
        return f"{value}{unit}"


def _is_zero(value) -> bool:
    try:  # JSON keeps decimals as strings: "0.00" is zero too
        return Decimal(str(value)) == 0
    except (InvalidOperation, ValueError):
        return False


def _int(minimum=0, maximum=1_000_000, required=True):
    return lambda: forms.IntegerField(min_value=minimum, max_value=maximum, required=required)


def _decimal(maximum=Decimal("99999"), required=True):
    return lambda: forms.DecimalField(
        min_value=Decimal("0"), max_value=maximum, max_digits=8, decimal_places=2, required=required
    )


def _text(max_length=40, required=True):
    return lambda: forms.CharField(max_length=max_length, required=required)


def _bool():
    return lambda: forms.BooleanField(required=False)


def _choice(choices):
    return lambda: forms.ChoiceField(choices=choices)


ADDON_TYPES = [("data", _("Data pack")), ("voice", _("Voice pack"))]
PHONE_NETWORKS = [("5G", "5G"), ("4G", "4G")]


@dataclass(frozen=True)
class OfferKind:
    code: str
    label: str
    attributes: tuple[Attribute, ...]
    price_suffix: str = ""  # "/月" for monthly plans
    max_quantity: int = 1
    needs: str = ""  # what a cart line must be given before checkout: "number" or "address"
    filters: tuple[str, ...] = field(default=())

    def attribute(self, name):
        return next(a for a in self.attributes if a.name == name)

    def clean_attributes(self, data: dict) -> dict:
        """Validate and normalise an attribute document; raise ValidationError naming the field."""
        data = data or {}
        unknown = set(data) - {a.name for a in self.attributes}
        errors = {}
        if unknown:
            errors["attributes"] = _("Unknown attributes for %(kind)s: %(names)s") % {
                "kind": self.label,
                "names": ", ".join(sorted(unknown)),
            }
        cleaned = {}
        for attribute in self.attributes:
            try:
                value = attribute.form_field().clean(data.get(attribute.name))
            except ValidationError as exc:
                errors[attribute.name] = [f"{attribute.label}: {m}" for m in exc.messages]
                continue
            cleaned[attribute.name] = str(value) if isinstance(value, Decimal) else value  # money: exact
        if errors:
            raise ValidationError(errors)
        return cleaned


KINDS: dict[str, OfferKind] = {
    k.code: k
    for k in [
        OfferKind(
            "plan",
            _("Mobile plan"),
            (
                Attribute("data_gb", _("Data"), _int(0, 10_000), " GB", filter="min"),
                Attribute("voice_minutes", _("Voice"), _int(0, 100_000), _(" min"), zero=_("None included")),
                Attribute("sms", _("SMS"), _int(0, 100_000), _(" msgs"), zero=_("None included")),
                Attribute("contract_months", _("Contract"), _int(0, 60), _(" months"), zero=_("No contract")),
                Attribute("is_5g", _("5G"), _bool(), filter="choice"),
            ),
            price_suffix=_("/month"),
        ),
        OfferKind(
            "sim",
            _("SIM card"),
            (
                Attribute("plan_name", _("Bundled plan"), _text(60, required=False)),
                Attribute("prepaid_credit", _("Prepaid credit"), _decimal(), _(" yuan"), zero=_("None")),
                Attribute("is_5g", _("5G"), _bool(), filter="choice"),
            ),
            needs="number",
        ),
        OfferKind(
            "broadband",
            _("Broadband package"),
            (
                Attribute("bandwidth_mbps", _("Bandwidth"), _int(1, 10_000), " Mbps", filter="min"),
                Attribute("term_months", _("Term"), _int(1, 60), _(" months")),
                Attribute("installation_fee", _("Installation fee"), _decimal(), _(" yuan"), zero=_("Free")),
            ),
            needs="address",
        ),
        OfferKind(
            "phone",
            _("Phone"),
            (
                Attribute("brand", _("Brand"), _text(30), filter="choice"),
                Attribute("model", _("Model"), _text(60)),
                Attribute("storage_gb", _("Storage"), _int(1, 4096), " GB"),
                Attribute("network", _("Network"), _choice(PHONE_NETWORKS), choices=tuple(PHONE_NETWORKS)),
            ),
            max_quantity=5,
        ),
        OfferKind(
            "addon",
            _("Add-on"),
            (
                Attribute("addon_type", _("Type"), _choice(ADDON_TYPES), filter="choice", choices=tuple(ADDON_TYPES)),
                Attribute(
                    "amount",
                    _("Amount"),
                    _int(1, 100_000),
                    unit_by=("addon_type", {"data": " GB", "voice": _(" minutes")}),
                ),
                Attribute("validity_days", _("Valid for"), _int(1, 3660), _(" days")),
            ),
            max_quantity=5,
        ),
    ]
}
KIND_CHOICES = [(k.code, k.label) for k in KINDS.values()]
