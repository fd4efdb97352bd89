"""Mobile numbers of one carrier (tenant schema), the segments it owns and its lucky-tier rules."""

from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from numberpool.patterns import PATTERN_CHOICES

money: dict[str, Any] = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class NumberSegment(models.Model):
    """A number block (3 or 4 leading digits) this carrier may sell from."""

    prefix = models.CharField(
        _("prefix"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^1[3-9]\d{1,2}$", _("3 or 4 digits, e.g. 177 or 1703."))],
    )
    note = models.CharField(_("note"), max_length=40, blank=True)

    class Meta:
        db_table = "catalog_numbersegment"
        verbose_name = _("number segment")
        verbose_name_plural = _("number segments")
        ordering = ["prefix"]

    def __str__(self):
        return self.prefix


class TierRule(models.Model):
    """One line of the carrier's ordered tier list: the first rule whose pattern matches a
    number's digits decides its tier, price, minimum monthly spend and contract."""

    position = models.PositiveIntegerField(pgettext_lazy("position in a list", "order"), default=0)
    name = models.CharField(_("name"), max_length=40)
    pattern = models.CharField(_("pattern"), max_length=20, choices=PATTERN_CHOICES)
    argument = models.CharField(
        _("digits"), max_length=8, blank=True, help_text=_("For “ends with” and “contains”: the digits, e.g. 168.")
    )
    exclude_digits = models.CharField(
        _("except with digits"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d*$", _("Digits only."))],
        help_text=_(
            "The rule does not take a number whose matching digits include any of these, "
            "e.g. 4: AAA takes 888 but not 444."
        ),
    )
    tier = models.CharField(_("tier"), max_length=20)
    price = models.DecimalField(_("one-off price (yuan)"), **money, default=Decimal("0"))
    minimum_spend = models.DecimalField(_("minimum monthly spend (yuan)"), **money, default=Decimal("0"))
    contract_months = models.PositiveSmallIntegerField(_("contract months"), default=0)
    price_floor = models.DecimalField(
        _("lowest price after promotions (yuan)"),
        **money,
        default=Decimal("0"),
        help_text=_("No promotion takes this tier's one-off price or prepayment below it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "catalog_tierrule"
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.position}. {self.name} → {self.tier}"


class MobileNumber(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        HELD = "held", _("Held")
        SOLD = "sold", _("Sold")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COOLING = "cooling", _("Cooling off")

    number = models.CharField(_("number"), max_length=11, unique=True)
    # The number reversed: a tail search is a prefix range on this column (btree). Collation "C"
    # (byte order): the range bounds are plain comparisons, which the planner estimates well, where
    # its LIKE 'prefix%' estimate (histogram hits) is 0.01% or 1% and picks the wrong index.
    reversed_number = models.CharField(max_length=11, editable=False, db_collation="C")
    # Every 4-digit run of the last 8 digits, as integers: "contains 1314" and birthdays use a GIN
    # index on it (PostgreSQL's built-in array GIN, since pg_trgm is not available everywhere).
    grams = ArrayField(models.IntegerField(), editable=False, default=list)
    # Bit d set when digit d occurs in the last 8 digits: "no 4" is (digit_mask & 16) = 0.
    digit_mask = models.PositiveSmallIntegerField(editable=False, default=0)
    city = models.SlugField(_("city"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    tier = models.CharField(_("tier"), max_length=20, blank=True)
    price = models.DecimalField(_("one-off price (yuan)"), **money, default=Decimal("0"))
    minimum_spend = models.DecimalField(_("minimum monthly spend (yuan)"), **money, default=Decimal("0"))
    contract_months = models.PositiveSmallIntegerField(_("contract months"), default=0)
    random_key = models.IntegerField(editable=False, default=0)  # for a cheap random sample
    hold_owner = models.CharField(_("held by"), max_length=64, blank=True, editable=False)
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    sold_at = models.DateTimeField(_("sold at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_mobilenumber"
        verbose_name = _("mobile number")
        verbose_name_plural = _("mobile numbers")
        ordering = ["number"]
        # The storefront only ever searches available numbers, so its indexes are partial and
        # leave `status` out of the key: a key column equal in every row of a fresh pool triples
        # the sort of each index build. Search picks a page from an index alone (index-only scan)
        # and then reads just that page's rows, so the tail index carries random_key and id, and
        # the random-order index the columns the digit filters test.
        indexes = [
            models.Index(
                fields=["reversed_number"],
                name="number_tail_idx",
                include=["random_key", "id"],
                condition=models.Q(status="available"),
            ),
            GinIndex(fields=["grams"], name="number_grams_idx"),
            models.Index(
                fields=["random_key"],
                name="number_random_idx",
                include=["id", "number", "reversed_number", "digit_mask"],
                condition=models.Q(status="available"),
            ),
            models.Index(fields=["tier", "random_key"], name="number_tier_idx", condition=models.Q(status="available")),
            models.Index(fields=["city", "random_key"], name="number_city_idx", condition=models.Q(status="available")),
            # Partial: only held numbers are in these, so imports (all available) do not pay for them.
            models.Index(fields=["held_until"], name="number_hold_idx", condition=models.Q(status="held")),
            models.Index(fields=["hold_owner"], name="number_owner_idx", condition=~models.Q(hold_owner="")),
        ]

    def __str__(self):
        return self.number

    @property
    def display(self) -> str:
        return f"{self.number[:3]} {self.number[3:7]} {self.number[7:]}"


class NumberImport(models.Model):
    """A staff upload of numbers, loaded by a Celery worker; the page shows its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", pgettext_lazy("a number import", "Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("CSV file (number[,city] per line)"), upload_to="number-imports/")
    city = models.SlugField(_("city for lines without one"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    read = models.PositiveIntegerField(_("lines read"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    already_in_pool = models.PositiveIntegerField(_("already in pool"), default=0)
    duplicate_in_file = models.PositiveIntegerField(_("duplicate in file"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    problems = models.JSONField(_("bad lines"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        "auth.User", verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        db_table = "catalog_numberimport"
        verbose_name = _("number upload")
        verbose_name_plural = _("number uploads")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file.name} ({self.get_status_display()})"


class DroppedNumberIndex(models.Model):
    """An index a first load dropped, kept until it is built again: if the load dies half-way
    (a killed process skips every `finally`), the next import builds it from here."""

    name = models.CharField(max_length=63, unique=True)
    definition = models.TextField()
    constraint = models.CharField(max_length=63, blank=True)

    class Meta:
        db_table = "catalog_droppednumberindex"
