"""Form fields for block settings: typed links, uploaded images, sanitised rich text."""

from __future__ import annotations

import re

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Offer
from core.richtext import sanitize_html
from storefront.decoration.models import Page

ROUTES = {
    "home": "home",
    "catalogue": "catalogue",
    "numbers": "numbers",
    "cart": "cart",
    "me": "account",
    "compare": "compare",
    "orders": "orders",
    "topup": "top-up",
    "broadband": "broadband-renew",
    "deposit": "deposit-offers",
}
LINK_HELP = _(
    "One of: route:numbers (home, catalogue, numbers, cart, me, compare, orders, topup, broadband, "
    "deposit), "
    "page:<landing page>, product:<offer slug>, category:<category slug>, or an https:// address."
)
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def link_target_exists(kind: str, value: str) -> bool:
    if kind == "route":
        return value in ROUTES
    if kind == "page":
        return Page.objects.filter(kind=Page.Kind.LANDING, slug=value).exists()
    if kind == "product":
        return Offer.objects.filter(slug=value).exists()
    if kind == "category":
        return Category.objects.filter(slug=value, is_active=True).exists()
    return False


class LinkField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", LINK_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        if value.startswith("https://"):
            if any(c.isspace() for c in value) or len(value) < 12:
                raise forms.ValidationError(_("That web address is not valid."))
            return value
        kind, sep, target = value.partition(":")
        if not sep or kind not in {"route", "page", "product", "category"} or not SLUG.match(target):
            raise forms.ValidationError(
                _(
                    "Links are route:…, page:…, product:…, category:… or https://… "
                    "(other addresses, such as http: or javascript:, are not allowed)."
                )
            )
        if not link_target_exists(kind, target):
            raise forms.ValidationError(_("“%(link)s” points at nothing in this shop.") % {"link": value})
        return value


def resolve_link(value: str) -> str | None:
    """The URL of a stored link, or None when its target is gone (the block then shows no link)."""
    if not value:
        return None
    if value.startswith("https://"):
        return value
    kind, _sep, target = value.partition(":")
    try:
        if kind == "route" and target in ROUTES:
            return reverse(ROUTES[target])
        if kind == "page":
            return reverse("landing-page", args=[target])
        if kind == "product":
            return reverse("offer", args=[target])
        if kind == "category":
            return reverse("category", args=[target])
    except NoReverseMatch:
        return None
    return None


class AssetField(forms.TypedChoiceField):
    """One of the carrier's uploaded images (choices are filled per form from ShopAsset)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(choices=[], **kwargs)


class RichTextField(forms.CharField):
    widget = forms.Textarea

    def clean(self, value):
        return sanitize_html(super().clean(value))
