"""The registry of block types. A block type is its settings fields (validation and the editor's
form), optional repeated items, limits, a template and, where it shows live data, a context
function. Adding a block type is one `register(BlockType(...))` and one template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.filters import SORTS
from catalog.kinds import KINDS
from catalog.models import Category
from catalog.selectors import category_tree, shop_offers
from core import fragments
from promotions.models import CouponBatch, Promotion
from promotions.services import is_phone_credit
from selfcare import coupons
from storefront import flash
from storefront.decoration.fields import AssetField, LinkField, RichTextField
from storefront.decoration.icons import ICON_PATHS

REGISTRY: dict[str, BlockType] = {}
SPACER_HEIGHTS = (4, 8, 12, 16, 24, 32, 48, 64)  # CSS classes: no inline styles under our CSP
MAX_SECTIONS = 20


@dataclass(frozen=True)
class BlockType:
    code: str
    label: str
    fields: Callable[[], dict]
    item_fields: Callable[[], dict] | None = None
    item_label: str = ""
    min_items: int = 0
    max_items: int = 0
    max_per_page: int = MAX_SECTIONS
    defaults: dict = field(default_factory=dict)
    context: Callable | None = None  # (settings, city code or None) -> extra template context
    check: Callable | None = None  # (cleaned settings) -> [(field, message)] for cross-field rules

    @property
    def template(self):
        return f"blocks/{self.code}.html"


class BlockUnavailable(Exception):
    """The block's data is gone (e.g. its category was deleted): skip it (control flow, not an error)."""


def register(block_type: BlockType) -> BlockType:
    REGISTRY[block_type.code] = block_type
    return block_type


class BlockSettingsForm(forms.Form):
    """Built per block type: its fields plus numbered slots item1_…, item2_… for repeated items."""

    def __init__(self, block_type: BlockType, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.block_type = block_type
        for name, f in block_type.fields().items():
            self.fields[name] = f
        for i in range(1, block_type.max_items + 1):
            for name, f in (block_type.item_fields() if block_type.item_fields else {}).items():
                f.required = False  # an empty slot is no item; a started one is checked in clean()
                self.fields[f"item{i}_{name}"] = f
        asset_choices = [("", _("(none)"))] + [(a.pk, a.title) for a in assets]
        for f in self.fields.values():
            if isinstance(f, AssetField):
                f.choices = asset_choices

    def item_slots(self):
        return (
            [
                [self[f"item{i}_{name}"] for name in self.block_type.item_fields()]
                for i in range(1, self.block_type.max_items + 1)
            ]
            if self.block_type.item_fields
            else []
        )

    def clean(self):
        data = super().clean()
        if self.block_type.check and not self.errors:
            for name, message in self.block_type.check(data):
                self.add_error(name, message)
        if not self.block_type.item_fields:
            return data
        items, required = [], {n for n, f in self.block_type.item_fields().items() if f.required}
        for i in range(1, self.block_type.max_items + 1):
            values = {n: data.get(f"item{i}_{n}") for n in self.block_type.item_fields()}
            if all(v in (None, "", False) for v in values.values()):
                continue
            for name in required:
                if values[name] in (None, ""):
                    self.add_error(f"item{i}_{name}", _("Needed for item %(n)d.") % {"n": i})
            items.append(values)
        if len(items) < self.block_type.min_items:
            raise forms.ValidationError(
                _("Add at least %(n)d %(what)s.") % {"n": self.block_type.min_items, "what": self.block_type.item_label}
            )
        data["items"] = items
        return data

    def settings(self) -> dict:
        out = {}
        for name in self.block_type.fields():
            value = self.cleaned_data.get(name)
            out[name] = str(value) if isinstance(value, Decimal) else value
        if self.block_type.item_fields:
            out["items"] = self.cleaned_data["items"]
        return out


def settings_as_form_data(block_type: BlockType, settings: dict) -> dict:
    """Stored settings → the flat form data that BlockSettingsForm reads."""
    data = {k: v for k, v in settings.items() if k != "items"}
    for i, item in enumerate(settings.get("items") or [], start=1):
        for name, value in item.items():
            data[f"item{i}_{name}"] = value
    return {k: ("on" if v is True else ("" if v in (None, False) else v)) for k, v in data.items()}


# ---- built-in block types -------------------------------------------------------------------

ICON_CHOICES = [(name, name) for name in ICON_PATHS]
SORT_CHOICES = [
    ("recommended", _("Recommended")),
    ("price", _("Price: low to high")),
    ("popular", _("Most popular")),
    ("newest", _("Newest")),
]
SOURCE_CHOICES = [("category", _("Category")), ("tag", _("Tag")), ("kind", _("Offer kind"))]
PATTERN_CHOICES = [("tail", _("Ending with")), ("contains", _("Containing")), ("birthday", _("Birthday (MMDD)"))]


def _product_grid_context(settings: dict, city: str | None) -> dict:
    offers = shop_offers(city)
    source, value = settings.get("source"), settings.get("value")
    if source == "category":
        tree = category_tree()
        category = tree.get(value)
        if category is None:
            raise BlockUnavailable(f"category {value!r} is gone")
        offers = offers.filter(category_id__in=tree.below(category))
    elif source == "tag":
        offers = offers.filter(tags__contains=[value])
    elif source == "kind":
        offers = offers.filter(kind=value)

    offers = offers.order_by(*SORTS[settings.get("sort") if settings.get("sort") in SORTS else "recommended"])
    return {"offers": list(offers[: min(int(settings.get("limit") or 4), 20)])}


def _product_grid_check(data):

    source, value = data.get("source"), data.get("value")
    if source == "category" and not Category.objects.filter(slug=value, is_active=True).exists():
        return [("value", _("No active category has the slug “%(v)s”.") % {"v": value})]
    if source == "kind" and value not in KINDS:
        return [("value", _("Offer kinds are: %(kinds)s.") % {"kinds": ", ".join(KINDS)})]
    return []


def _product_grid_fields():
    return {
        "title": forms.CharField(label=_("Title"), max_length=30, required=False),
        "source": forms.ChoiceField(label=_("Show offers by"), choices=SOURCE_CHOICES),
        "value": forms.CharField(label=_("Category slug, tag or kind"), max_length=40),
        "sort": forms.ChoiceField(label=_("Order"), choices=SORT_CHOICES),
        "limit": forms.IntegerField(label=_("How many"), min_value=1, max_value=20),
        "columns": forms.TypedChoiceField(label=_("Columns"), choices=[(2, "2"), (3, "3")], coerce=int),
    }


register(
    BlockType(
        "banner",
        _("Banner carousel"),
        fields=lambda: {
            "autoplay": forms.BooleanField(label=_("Play automatically"), required=False),
            "interval": forms.IntegerField(label=_("Seconds per slide"), min_value=2, max_value=10),
        },
        item_fields=lambda: {
            "image": AssetField(label=_("Image")),
            "alt": forms.CharField(label=_("Description"), max_length=60),
            "link": LinkField(label=_("Link"), required=False),
        },
        item_label=_("slides"),
        min_items=1,
        max_items=5,
        max_per_page=3,
        defaults={"autoplay": True, "interval": 4, "items": []},
    )
)
register(
    BlockType(
        "icon_grid",
        _("Service icons"),
        fields=lambda: {
            "columns": forms.TypedChoiceField(label=_("Columns"), choices=[(4, "4"), (5, "5")], coerce=int)
        },
        item_fields=lambda: {
            "icon": forms.ChoiceField(label=_("Icon"), choices=ICON_CHOICES),
            "label": forms.CharField(label=_("Label"), max_length=8),
            "link": LinkField(label=_("Link")),
        },
        item_label=_("icons"),
        min_items=1,
        max_items=10,
        max_per_page=2,
        defaults={
            "columns": 4,
            "items": [
                {"icon": "numbers", "label": "选号", "link": "route:numbers"},
                {"icon": "plan", "label": "套餐", "link": "route:catalogue"},
                {"icon": "broadband", "label": "宽带", "link": "route:catalogue"},
                {"icon": "phone", "label": "手机", "link": "route:catalogue"},
            ],
        },
    )
)
register(
    BlockType(
        "notice_bar",
        _("Notice bar"),
        fields=lambda: {
            "text": forms.CharField(label=_("Text"), max_length=80),
            "link": LinkField(label=_("Link"), required=False),
            "tone": forms.ChoiceField(label=_("Tone"), choices=[("info", _("Information")), ("warning", _("Warning"))]),
        },
        max_per_page=2,
        defaults={"text": "", "link": "", "tone": "info"},
    )
)
register(
    BlockType(
        "product_grid",
        _("Product grid"),
        fields=_product_grid_fields,
        max_per_page=6,
        defaults={"title": "", "source": "kind", "value": "plan", "sort": "recommended", "limit": 4, "columns": 2},
        context=_product_grid_context,
        check=_product_grid_check,
    )
)
register(
    BlockType(
        "number_search",
        _("Number search"),
        fields=lambda: {
            "title": forms.CharField(label=_("Title"), max_length=30),
            "pattern": forms.ChoiceField(label=_("Search by"), choices=PATTERN_CHOICES),
        },
        max_per_page=1,
        defaults={"title": "挑选心仪号码", "pattern": "tail"},
    )
)


def _bindable_batches():
    """Batches a coupon card may advertise: claimable coupons and red packets of published (or
    paused) promotions that have not ended; what the card shows is read live from the batch."""
    return (
        CouponBatch.objects.filter(
            kind__in=[CouponBatch.Kind.CLAIMABLE, CouponBatch.Kind.RED_PACKET],
            promotion__status__in=[Promotion.Status.PUBLISHED, Promotion.Status.PAUSED],
            promotion__ends_at__gt=timezone.now(),
        )
        .select_related("promotion")
        .order_by("promotion__starts_at", "pk")
    )


def _coupon_fields():
    # A coupon card advertises only a coupon subscribers can really claim: its reward, condition
    # and what is left come from the batch, never typed by staff (虚假宣传 otherwise).
    choices = [("", "—")] + [(str(b.pk), f"{b.name} · {b.promotion.name}") for b in _bindable_batches()]
    return {
        "title": forms.CharField(label=_("Title"), max_length=30, required=False),
        "batch": forms.ChoiceField(
            label=_("Coupon batch"),
            choices=choices,
            help_text=_("A claimable coupon or red-packet batch of a published promotion that has not ended."),
        ),
    }


def _coupon_check(data):
    if not str(data.get("batch") or "").isdigit() or not _bindable_batches().filter(pk=int(data["batch"])).exists():
        return [("batch", _("Choose a claimable batch of a published promotion that has not ended."))]
    return []


def _coupon_context(settings: dict, city: str | None) -> dict:
    batch_id = str(settings.get("batch") or "")
    batch = (
        CouponBatch.objects.select_related("promotion__reward_offer").filter(pk=int(batch_id)).first()
        if batch_id.isdigit()
        else None
    )
    if batch is None or batch.kind not in (CouponBatch.Kind.CLAIMABLE, CouponBatch.Kind.RED_PACKET):
        raise BlockUnavailable(f"no claimable batch {batch_id!r}")
    if not batch.promotion.is_live():  # paused, ended or not started: advertise nothing
        raise BlockUnavailable(f"promotion of batch {batch.pk} is not live")
    # Cached for every visitor: the form's token is the placeholder core.fragments.fill_csrf fills.
    return {
        "batch": batch,
        "promotion": batch.promotion,
        "reward": coupons.reward_text(batch.promotion),
        "condition": coupons.condition_text(batch.promotion),
        "left": batch.total - batch.issued if batch.total else None,
        "phone_credit": is_phone_credit(batch),
        "csrf_token": fragments.CSRF_HOLE,
    }


register(
    BlockType(
        "coupon",
        _("Coupon card"),
        fields=_coupon_fields,
        check=_coupon_check,
        context=_coupon_context,
        max_per_page=4,
        defaults={"title": "", "batch": ""},
    )
)


def _flash_promotions():
    return Promotion.objects.filter(
        flash=True,
        status__in=[Promotion.Status.PUBLISHED, Promotion.Status.PAUSED, Promotion.Status.APPROVED],
        ends_at__gt=timezone.now(),
    ).order_by("starts_at", "pk")


def _flash_fields():
    choices = [("", "—")] + [(str(p.pk), p.name) for p in _flash_promotions()]
    return {
        "title": forms.CharField(label=_("Title"), max_length=30, required=False),
        "promotion": forms.ChoiceField(label=_("Flash sale"), choices=choices),
        "limit": forms.IntegerField(label=_("How many"), min_value=1, max_value=20),
    }


def _flash_check(data):
    if not str(data.get("promotion") or "").isdigit() or not _flash_promotions().filter(pk=int(data["promotion"])):
        return [("promotion", _("Choose a flash-sale promotion that has not ended."))]
    return []


def _flash_context(settings: dict, city: str | None) -> dict:
    pk = str(settings.get("promotion") or "")
    promotion = (
        Promotion.objects.select_related("festival").filter(pk=int(pk), flash=True).first() if pk.isdigit() else None
    )
    if promotion is None or not flash.on_show(promotion):
        raise BlockUnavailable(f"flash sale {pk!r} is not on show")
    offers = flash.flash_offers(promotion, city, min(int(settings.get("limit") or 4), 20))
    if not offers:
        raise BlockUnavailable(f"flash sale {pk!r} has no offer on sale")
    phase, until = flash.countdown(promotion)
    return {"promotion": promotion, "offers": offers, "phase": phase, "until": until}


register(
    BlockType(
        "flash_sale",
        _("Flash sale"),
        fields=_flash_fields,
        check=_flash_check,
        context=_flash_context,
        max_per_page=2,
        defaults={"title": "限时抢购", "promotion": "", "limit": 4},
    )
)
register(
    BlockType(
        "rich_text",
        _("Rich text"),
        fields=lambda: {"html": RichTextField(label=_("Text"), max_length=5000)},
        max_per_page=5,
        defaults={"html": ""},
    )
)
register(
    BlockType(
        "spacer",
        _("Spacer / divider"),
        fields=lambda: {
            "height": forms.TypedChoiceField(
                label=_("Height (px)"), coerce=int, choices=[(h, str(h)) for h in SPACER_HEIGHTS]
            ),
            "divider": forms.BooleanField(label=_("Show a line"), required=False),
        },
        defaults={"height": 16, "divider": False},
    )
)
register(
    BlockType(
        "image_hotspot",
        _("Image with hotspots"),
        fields=lambda: {
            "image": AssetField(label=_("Image")),
            "alt": forms.CharField(label=_("Description"), max_length=60),
        },
        item_fields=lambda: {
            "x": forms.IntegerField(label=_("Left (%)"), min_value=0, max_value=95),
            "y": forms.IntegerField(label=_("Top (%)"), min_value=0, max_value=95),
            "w": forms.IntegerField(label=_("Width (%)"), min_value=5, max_value=100),
            "h": forms.IntegerField(label=_("Height (%)"), min_value=5, max_value=100),
            "link": LinkField(label=_("Link")),
        },
        item_label=_("hotspots"),
        min_items=1,
        max_items=6,
        max_per_page=3,
        defaults={"image": None, "alt": "", "items": []},
    )
)
