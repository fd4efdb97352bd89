"""Listing filters and sorting, parsed from the query string. Bad values never raise: the form
reports them and the listing shows without that filter."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.kinds import KINDS

SORTS = {
    "recommended": ("-sort_weight", "-pk"),
    "price": ("sale_price", "pk"),
    "-price": ("-sale_price", "-pk"),
    "popular": ("-sales_count", "-pk"),
    "newest": ("-created_at", "-pk"),
}
SORT_CHOICES = [
    ("recommended", _("Recommended")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("popular", _("Most popular")),
    ("newest", _("Newest")),
]
MAX_PRICE = Decimal("1000000")


class OfferFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=40, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds"))] + [(k, v.label) for k, v in KINDS.items()]
    )
    min_price = forms.DecimalField(
        label=_("Lowest price"), min_value=0, max_value=MAX_PRICE, decimal_places=2, required=False
    )
    max_price = forms.DecimalField(
        label=_("Highest price"), min_value=0, max_value=MAX_PRICE, decimal_places=2, required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, data=None, kind=None, brand_choices=()):
        super().__init__(data)
        self.fixed_kind = kind
        spec = KINDS.get(kind)
        if kind:
            del self.fields["kind"]
        for attribute in spec.attributes if spec else ():
            if attribute.filter == "min":
                self.fields[attribute.name] = forms.IntegerField(
                    label=_("At least (%(label)s)") % {"label": attribute.label},
                    min_value=0,
                    max_value=1_000_000,
                    required=False,
                )
            elif attribute.filter == "choice":
                if attribute.name == "brand":
                    choices = [("", _("All brands"))] + [(b, b) for b in brand_choices]
                elif attribute.name == "is_5g":
                    choices = [("", _("Any")), ("1", _("5G only"))]
                else:
                    choices = [("", _("Any"))] + list(attribute.make_field().choices)
                self.fields[attribute.name] = forms.ChoiceField(label=attribute.label, choices=choices, required=False)
        self.attribute_filters = [f for f in self.fields if spec and f in {a.name for a in spec.attributes}]

    def clean(self):
        data = super().clean()
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The highest price is below the lowest price."))
        return data

    def valid_values(self) -> dict:
        """The filter values that passed validation (invalid ones are dropped, not fatal)."""
        self.is_valid()
        return {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors and v not in (None, "")
        }

    def apply(self, offers):
        values = self.valid_values()
        if values.get("q"):
            offers = offers.filter(search_text__contains=values["q"].lower())
        kind = self.fixed_kind or values.get("kind")
        if kind:
            offers = offers.filter(kind=kind)
        if "min_price" in values:
            offers = offers.filter(sale_price__gte=values["min_price"])
        if "max_price" in values:
            offers = offers.filter(sale_price__lte=values["max_price"])
        spec = KINDS.get(self.fixed_kind)
        for name in self.attribute_filters:
            if name not in values:
                continue
            attribute = spec.attribute(name)
            if attribute.filter == "min":
                offers = offers.filter(**{f"attributes__{name}__gte": values[name]})
            elif name == "is_5g":
                offers = offers.filter(Q(**{f"attributes__{name}": True}))
            else:
                offers = offers.filter(**{f"attributes__{name}": values[name]})
        return offers.order_by(*SORTS[values.get("sort") or "recommended"])


def query_fields(kind: str | None) -> set[str]:
    """Every query parameter a listing of this kind reads (the rest are ignored, and must not
    make cache entries of their own)."""
    spec = KINDS.get(kind)
    names = set(OfferFilterForm.base_fields) | {"page"}
    names.update(a.name for a in (spec.attributes if spec else ()) if a.filter in ("min", "choice"))
    if not kind:  # the all-kinds catalogue filters by any kind's attributes once one is chosen
        names.update(a.name for k in KINDS.values() for a in k.attributes if a.filter in ("min", "choice"))
    return names
