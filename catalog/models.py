"""The catalogue of one carrier (tenant schema): categories, offers, variants, images, cities."""

from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.kinds import KIND_CHOICES, KINDS
from core.richtext import sanitize_html

money: dict[str, Any] = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class City(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=30)
    province = models.CharField(_("province"), max_length=30, blank=True)
    sort_weight = models.IntegerField(_("sort weight"), default=0)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["-sort_weight", "code"]

    def __str__(self):
        return self.name


class Category(models.Model):
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    kind = models.CharField(
        _("offer kind"),
        max_length=12,
        choices=KIND_CHOICES,
        blank=True,
        help_text=_("When set, the category page offers this kind's filters."),
    )
    sort_weight = models.IntegerField(_("sort weight"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["-sort_weight", "pk"]

    def __str__(self):
        return f"{self.parent} › {self.name}" if self.parent_id else self.name

    def clean(self):
        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk or node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be inside itself.")})
            seen.add(node.pk)
            node = node.parent


class OfferQuerySet(models.QuerySet):
    def on_sale(self, now=None):
        """Offers a subscriber may see and buy now: on sale and inside the publish window."""
        now = now or timezone.now()
        return self.filter(
            Q(status=Offer.Status.ON_SALE),
            Q(publish_start__isnull=True) | Q(publish_start__lte=now),
            Q(publish_end__isnull=True) | Q(publish_end__gt=now),
        )

    def available_in(self, city_code):
        """Nationwide offers (no city list) and those listing this city."""
        if not city_code:
            return self
        return self.filter(Q(available_cities=[]) | Q(available_cities__contains=[city_code]))


class Offer(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ON_SALE = "on_sale", _("On sale")
        OFF_SALE = "off_sale", _("Off sale")

    kind = models.CharField(_("kind"), max_length=12, choices=KIND_CHOICES)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="offers")
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    subtitle = models.CharField(_("subtitle"), max_length=120, blank=True)
    list_price = models.DecimalField(_("list price (yuan)"), **money)
    sale_price = models.DecimalField(_("sale price (yuan)"), **money)
    # The carrier's floor: a plan's minimum monthly spend, a subsidised phone's lowest price.
    price_floor = models.DecimalField(
        _("lowest price after promotions (yuan)"),
        **money,
        default=Decimal("0"),
        help_text=_("No promotion takes the price below this (for a plan: its minimum monthly spend)."),
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    available_cities = ArrayField(
        models.SlugField(max_length=20),
        verbose_name=_("available in cities"),
        default=list,
        blank=True,
        help_text=_("City codes; leave empty for everywhere."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_start = models.DateTimeField(_("on sale from"), null=True, blank=True)
    publish_end = models.DateTimeField(_("on sale until"), null=True, blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Basic HTML; scripts, styles and event handlers are removed.")
    )
    terms = models.TextField(_("terms"), blank=True)
    tags = ArrayField(models.CharField(max_length=20), verbose_name=_("tags"), default=list, blank=True)
    sort_weight = models.IntegerField(_("sort weight"), default=0)
    sales_count = models.PositiveIntegerField(_("sales"), default=0)
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-sort_weight", "-pk"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["category", "status"]),
            GinIndex(fields=["available_cities"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0) & Q(sale_price__gte=0), name="offer_prices_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(sale_price__lte=models.F("list_price")), name="offer_sale_price_at_most_list_price"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def kind_spec(self):
        return KINDS[self.kind]

    def clean(self):
        errors = {}
        if self.kind not in KINDS:
            errors["kind"] = _("Unknown offer kind.")
        else:
            try:
                self.attributes = self.kind_spec.clean_attributes(self.attributes)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if self.sale_price is not None and self.list_price is not None and self.sale_price > self.list_price:
            errors["sale_price"] = _("The sale price cannot be above the list price.")
        if self.publish_start and self.publish_end and self.publish_end <= self.publish_start:
            errors["publish_end"] = _("The end of the sale must come after its start.")
        if self.category_id and self.category.kind and self.category.kind != self.kind:
            errors["category"] = _("This category holds %(kind)s offers.") % {"kind": KINDS[self.category.kind].label}
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # Invariants that hold however the offer is written (admin, API, seed, import).
        self.description = sanitize_html(self.description)
        self.tags = [t.strip() for t in self.tags if t and t.strip()]
        self.search_text = " ".join([self.name, self.subtitle, *self.tags]).lower()
        super().save(*args, **kwargs)

    @property
    def discount(self) -> Decimal:
        return self.list_price - self.sale_price

    def attribute_rows(self):
        return [(a.label, a.display(self.attributes.get(a.name), self.attributes)) for a in self.kind_spec.attributes]


class OfferVariant(models.Model):
    """A phone's colour/storage version with its own stock and price difference."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="variants")
    colour = models.CharField(_("colour"), max_length=20)
    storage_gb = models.PositiveIntegerField(_("storage (GB)"), null=True, blank=True)
    price_delta = models.DecimalField(
        _("price difference (yuan)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    sort_weight = models.IntegerField(_("sort weight"), default=0)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["-sort_weight", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "colour", "storage_gb"], name="variant_unique_per_offer")
        ]

    def __str__(self):
        storage = f" {self.storage_gb}GB" if self.storage_gb else ""
        return f"{self.colour}{storage}"

    @property
    def price(self) -> Decimal:
        return self.offer.sale_price + self.price_delta

    def clean(self):
        if self.offer_id and self.offer.sale_price + (self.price_delta or 0) < 0:
            raise ValidationError({"price_delta": _("The variant's price would be below zero.")})


class OfferImage(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to="offers/")
    alt = models.CharField(_("description"), max_length=80, blank=True)
    sort_weight = models.IntegerField(_("sort weight"), default=0)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["-sort_weight", "pk"]

    def __str__(self):
        return self.alt or self.image.name


from catalog.deposit_offers import DepositOffer  # noqa: E402,F401
