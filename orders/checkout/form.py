"""What checkout asks for, per order kind: the form and the cleaned details it yields."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.phone import MOBILE_NUMBER
from orders.checkout import divisions
from realname.idcard import age_on, clean_id_number, clean_name
from tenants.gateways import current_carrier

CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# What each need asks for.
IDENTITY, ADDRESS, SERVICE_NUMBER = "identity", "address", "service_number"
FIELDS = {
    IDENTITY: ("holder_name", "holder_id_number"),
    ADDRESS: ("recipient", "contact_phone", "province", "city", "district", "address_detail"),
    SERVICE_NUMBER: ("service_number",),
}


@dataclass(frozen=True)
class CheckoutDetails:
    recipient: str = ""
    contact_phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address_detail: str = ""
    holder_name: str = ""
    holder_id_number: str = ""
    service_number: str = ""
    accept_terms: bool = False
    # the SIM numbers whose 入网服务协议 and 个人信息保护政策 the subscriber accepted (one tick per SIM)
    agreements: tuple[str, ...] = ()


def _mobile(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if not MOBILE_NUMBER.match(value):
        raise ValidationError(_("Enter an 11-digit mainland mobile number."))
    return value


def _text(value: str) -> str:
    value = (value or "").strip()
    if CONTROL.search(value):
        raise ValidationError(_("Remove the control characters."))
    return value


def _division(value: str, names: list[str]) -> str | None:
    """`value` as one of `names`: exact, or the one name it begins (typed "广州" for 广州市)."""
    if value in names:
        return value
    found = [n for n in names if len(value) >= 2 and n.startswith(value)]
    return found[0] if len(found) == 1 else None


def clean_holder_id_number(value: str) -> str:
    """An ID this carrier accepts, of someone old enough to register a number online."""
    carrier = current_carrier()
    id_number = clean_id_number(value, accept_legacy=carrier.accepts_legacy_ids)
    group = carrier.group
    minimum = group.minimum_age if group else 16
    if age_on(id_number, timezone.localdate()) < minimum:
        raise ValidationError(_("A new number can be registered online from the age of %(age)d.") % {"age": minimum})
    return id_number


class CheckoutForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=40)
    expected_total = forms.DecimalField(widget=forms.HiddenInput, max_digits=12, decimal_places=2)
    holder_name = forms.CharField(label=gettext_lazy("Name on the ID card"), max_length=20, required=False)
    holder_id_number = forms.CharField(
        label=gettext_lazy("ID card number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    recipient = forms.CharField(label=gettext_lazy("Recipient"), max_length=30, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("Recipient's phone"),
        max_length=13,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    # Province a list; city and district free text that shop.js turns into lists from the same
    # data (static/hall/divisions.json), checked against it here either way.
    province = forms.ChoiceField(
        label=gettext_lazy("Province"),
        required=False,
        choices=lambda: [("", "—")] + [(p, p) for p in divisions.provinces()],
    )
    city = forms.CharField(label=gettext_lazy("City"), max_length=30, required=False)
    district = forms.CharField(label=gettext_lazy("District / county"), max_length=30, required=False)
    address_detail = forms.CharField(label=gettext_lazy("Street and house number"), max_length=120, required=False)
    service_number = forms.CharField(
        label=gettext_lazy("Your mobile number"),
        max_length=13,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
        help_text=gettext_lazy("The number the add-on or plan is for."),
    )
    accept_terms = forms.BooleanField(required=False)
    agreements = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, needs: set[str], terms: list[str], sims: Sequence[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.needs, self.terms, self.sims = needs, terms, list(sims)
        for need, names in FIELDS.items():
            for name in names:
                if need in needs:
                    self.fields[name].required = True
                else:
                    del self.fields[name]
        if not terms:
            del self.fields["accept_terms"]
        if self.sims:
            cast(forms.MultipleChoiceField, self.fields["agreements"]).choices = self.sims
        else:
            del self.fields["agreements"]

    def clean_holder_name(self):
        return clean_name(self.cleaned_data["holder_name"])

    def clean_holder_id_number(self):
        return clean_holder_id_number(self.cleaned_data["holder_id_number"])

    def clean_contact_phone(self):
        return _mobile(self.cleaned_data["contact_phone"])

    def clean_service_number(self):
        return _mobile(self.cleaned_data["service_number"])

    def clean_recipient(self):
        return _text(self.cleaned_data["recipient"])

    def clean_city(self):
        return _text(self.cleaned_data["city"])

    def clean_district(self):
        return _text(self.cleaned_data["district"])

    def clean_address_detail(self):
        value = _text(self.cleaned_data["address_detail"])
        if len(value) < 4:
            raise ValidationError(_("Give the street, building and room so the courier can find you."))
        return value

    def clean_accept_terms(self):
        if not self.cleaned_data["accept_terms"]:
            raise ValidationError(_("Please read and accept the terms above."))
        return True

    def clean_agreements(self):
        accepted = set(self.cleaned_data["agreements"])
        if any(number not in accepted for number, _display in self.sims):
            raise ValidationError(
                _(
                    "Please read and accept the network access service agreement and the privacy "
                    "policy for every SIM card."
                ),
                code="agreements",
            )
        return tuple(number for number, _display in self.sims)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # The picker's lists are a convenience; the address is checked here whatever was posted.
        province, city, district = data.get("province"), data.get("city"), data.get("district")
        if province and city:
            known_city = _division(city, divisions.cities(province))
            if known_city is None:
                self.add_error(
                    "city", _("%(city)s is not a city of %(province)s.") % {"city": city, "province": province}
                )
            else:
                data["city"] = known_city
                known_district = _division(district, divisions.districts(province, known_city)) if district else ""
                if known_district is None:
                    self.add_error(
                        "district",
                        _("%(district)s is not a district of %(city)s.") % {"district": district, "city": known_city},
                    )
                elif known_district:
                    data["district"] = known_district
        return data

    def details(self) -> CheckoutDetails:
        names = set(CheckoutDetails.__dataclass_fields__)
        return CheckoutDetails(**{k: v for k, v in self.cleaned_data.items() if k in names})


class IdentityForm(forms.Form):
    """A corrected name and ID number after the provider found them not to match."""

    holder_name = forms.CharField(label=gettext_lazy("Name on the ID card"), max_length=20)
    holder_id_number = forms.CharField(
        label=gettext_lazy("ID card number"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def clean_holder_name(self):
        return clean_name(self.cleaned_data["holder_name"])

    def clean_holder_id_number(self):
        return clean_holder_id_number(self.cleaned_data["holder_id_number"])
