"""Promotions and their instruments (tenant schema).

A promotion is scope + reward + combination class + eligibility + optional budget; coupons and red
packets are how a subscriber gets one that is not automatic. Every counted limit (a budget, a
batch's count, a person's uses, a coupon's single use) is a column that one conditional UPDATE
moves inside the order's transaction (promotions/reserve.py), with a CHECK behind it so even a
wrong statement could not overspend."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.kinds import KIND_CHOICES
from catalog.models import Category, Offer

money: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class Klass(models.TextChoices):
    """What a promotion discounts, for combining (like Shopify's discount classes)."""

    GOODS = "goods", pgettext_lazy("promotion class", "Goods")
    ORDER = "order", pgettext_lazy("promotion class", "Order")
    NUMBER_FEE = "number_fee", pgettext_lazy("promotion class", "Number fee")


class Festival(models.Model):
    """A sales festival (517 通信狂欢节, 双11): a campaign page that shows itself from its warm-up
    to its end, with the promotions that belong to it."""

    name = models.CharField(_("name"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    warmup_from = models.DateTimeField(
        _("page shown from"),
        null=True,
        blank=True,
        help_text=_("预热: the page shows a countdown before the festival starts."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("festival")
        verbose_name_plural = _("festivals")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="festival_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.name

    def page_visible(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.warmup_from or self.starts_at) <= now < self.ends_at


class Promotion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("promotion status", "Draft")
        APPROVED = "approved", pgettext_lazy("promotion status", "Approved")
        PUBLISHED = "published", pgettext_lazy("promotion status", "Published")
        PAUSED = "paused", pgettext_lazy("promotion status", "Paused")
        ENDED = "ended", pgettext_lazy("promotion status", "Ended")

    class Reward(models.TextChoices):
        PERCENT = "percent", _("Percent off")
        AMOUNT = "amount", _("Amount off")
        FIXED_PRICE = "fixed_price", _("Fixed price")
        WAIVE_NUMBER_FEE = "waive_number_fee", _("Waive the number fee / prepayment")
        FREE_ADDON = "free_addon", _("Free add-on")
        BSS_CREDIT = "bss_credit", _("话费 credit after activation")

    class Eligibility(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        NEW_SUBSCRIBERS = "new", _("New subscribers only")
        BOUND_NUMBER = "bound", _("Holders of a bound number")

    class Budget(models.TextChoices):
        NONE = "none", _("No budget")
        USES = "uses", _("Number of uses (orders)")
        UNITS = "units", _("Number of units")
        MONEY = "money", _("Money (yuan)")

    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(
        _("reason shown"), max_length=120, help_text=_("Shown on each discount line, e.g. “517 狂欢节 满200减30”.")
    )
    festival = models.ForeignKey(
        Festival,
        verbose_name=_("festival"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promotions",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    priority = models.IntegerField(_("priority"), default=0, help_text=_("Higher first when two give the same saving."))
    needs_coupon = models.BooleanField(
        _("needs a coupon"), default=False, help_text=_("Off: applies by itself to every eligible cart.")
    )
    flash = models.BooleanField(
        _("flash sale"),
        default=False,
        help_text=_("限时抢购: shown with a countdown on its offers and the festival page."),
    )
    # scope
    offer_kinds = ArrayField(
        models.CharField(max_length=12, choices=KIND_CHOICES), verbose_name=_("offer kinds"), default=list, blank=True
    )
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="+")
    tags = ArrayField(models.CharField(max_length=20), verbose_name=_("tags"), default=list, blank=True)
    offers = models.ManyToManyField(Offer, verbose_name=_("offers"), blank=True, related_name="promotions")
    cities = ArrayField(models.SlugField(max_length=20), verbose_name=_("cities"), default=list, blank=True)
    number_tiers = ArrayField(models.CharField(max_length=30), verbose_name=_("number tiers"), default=list, blank=True)
    min_spend = models.DecimalField(_("minimum spend"), **money, default=Decimal("0"))
    # reward
    klass = models.CharField(_("class"), max_length=10, choices=Klass.choices, default=Klass.GOODS)
    combines_with = ArrayField(
        models.CharField(max_length=10, choices=Klass.choices),
        verbose_name=_("combines with"),
        default=list,
        blank=True,
    )
    exclusive = models.BooleanField(
        _("exclusive"), default=False, help_text=_("Never combined with any other promotion.")
    )
    reward = models.CharField(_("reward"), max_length=20, choices=Reward.choices)
    reward_value = models.DecimalField(_("reward value"), **money, default=Decimal("0"))
    reward_offer = models.ForeignKey(
        Offer, verbose_name=_("free add-on"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # who and how often
    eligibility = models.CharField(
        _("eligibility"), max_length=10, choices=Eligibility.choices, default=Eligibility.ANYONE
    )
    per_person_limit = models.PositiveIntegerField(
        _("uses per person"),
        default=0,
        help_text=_(
            "0: no limit. A person is an ID number for new SIMs, a bound number for existing "
            "subscribers, else an account."
        ),
    )
    budget_kind = models.CharField(_("budget"), max_length=10, choices=Budget.choices, default=Budget.NONE)
    budget_limit = models.DecimalField(_("budget limit"), **money, null=True, blank=True)
    budget_per_city = models.JSONField(
        _("budget per city"), default=dict, blank=True, help_text=_('Optional, e.g. {"jinan": 500}.')
    )
    # the four eyes
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-priority", "starts_at", "pk"]
        permissions = [("approve_promotion", _("Can approve, publish and pause promotions"))]
        indexes = [models.Index(fields=["status", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="promotion_ends_after_start"),
            models.CheckConstraint(condition=Q(reward_value__gte=0), name="promotion_reward_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.starts_at <= now < self.ends_at


class Budget(models.Model):
    """A promotion's counted budget: the whole ('') or one attribute's share ('city:jinan').
    `used` counts what is reserved or redeemed; only promotions/reserve.py moves it."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="budgets")
    key = models.CharField(max_length=40, default="", blank=True)
    limit = models.DecimalField(**money)
    used = models.DecimalField(**money, default=Decimal("0"))

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["promotion", "key"], name="budget_unique_key"),
            models.CheckConstraint(condition=Q(used__gte=0) & Q(used__lte=F("limit")), name="budget_within_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id}:{self.key or '*'}"


class PersonUse(models.Model):
    """How often one person (a keyed hash, never the ID or number itself) used a promotion."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="+")
    person = models.CharField(max_length=80)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("use per person")
        verbose_name_plural = _("uses per person")
        constraints = [models.UniqueConstraint(fields=["promotion", "person"], name="person_use_unique")]


class CouponBatch(models.Model):
    class Kind(models.TextChoices):
        PUBLIC_CODE = "public", _("One public code")
        UNIQUE_CODES = "unique", _("Unique codes")
        CLAIMABLE = "claimable", _("Claimable coupons (领券)")
        RED_PACKET = "red_packet", _("Red packets (红包)")

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.PROTECT, related_name="batches"
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    code = models.CharField(_("public code"), max_length=20, null=True, blank=True, unique=True)
    total = models.PositiveIntegerField(
        _("how many"),
        default=0,
        help_text=_(
            "Coupons that can be claimed or generated; for a public code, 0 means the promotion's budget decides."
        ),
    )
    issued = models.PositiveIntegerField(_("issued"), default=0, editable=False)
    per_person = models.PositiveIntegerField(_("per account"), default=1)
    valid_days = models.PositiveIntegerField(_("valid days after claim"), null=True, blank=True)
    valid_until = models.DateTimeField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until the promotion ends.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coupon batch")
        verbose_name_plural = _("coupon batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total=0) | Q(issued__lte=F("total")), name="batch_issued_within_total")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # `issued` moves only by conditional UPDATEs (claims, code uses): a staff save of a form
        # loaded a moment ago must not write back an old count
        if self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields if f.name not in ("id", "issued")]
        super().save(*args, **kwargs)

    @property
    def packet_total(self) -> Decimal:
        """A red-packet batch's money: count × each packet's value."""
        return self.promotion.reward_value * self.total


class Coupon(models.Model):
    """One coupon or red packet: issued → claimed → reserved by an order → redeemed; released back
    to claimed when the order closes, is cancelled or refunded; expired past its validity."""

    class Status(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("coupon status", "Issued")
        CLAIMED = "claimed", pgettext_lazy("coupon status", "Claimed")
        RESERVED = "reserved", pgettext_lazy("coupon status", "Reserved by an order")
        REDEEMED = "redeemed", pgettext_lazy("coupon status", "Used")
        EXPIRED = "expired", pgettext_lazy("coupon status", "Expired")

    batch = models.ForeignKey(
        CouponBatch, verbose_name=_("coupon batch"), on_delete=models.CASCADE, related_name="coupons"
    )
    code = models.CharField(_("code"), max_length=20, null=True, blank=True, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coupons",
    )
    number = models.CharField(_("credited to"), max_length=11, blank=True)  # a 话费 red packet's bound number
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # The account's 1st, 2nd… claim of the batch: unique, so two parallel claims cannot both be 1st.
    claim_no = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    order_ref = models.CharField(_("order"), max_length=40, blank=True)
    redeemed_at = models.DateTimeField(_("used at"), null=True, blank=True)
    credited_at = models.DateTimeField(_("credited at"), null=True, blank=True)  # a 话费 red packet paid by the BSS

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        indexes = [models.Index(fields=["user", "status"]), models.Index(fields=["batch", "status"])]
        constraints = [
            models.CheckConstraint(
                # only an issued or expired coupon may have no owner (plain equalities: the clone's
                # copy of a CHECK must read back exactly as a migration writes it)
                condition=Q(status="issued") | Q(status="expired") | Q(user__isnull=False),
                name="coupon_claimed_has_owner",
            ),
            models.UniqueConstraint(
                fields=["batch", "user", "claim_no"], condition=Q(claim_no__gt=0), name="coupon_one_claim_per_turn"
            ),
        ]

    def __str__(self) -> str:
        return self.code or str(_("Coupon %(pk)s") % {"pk": self.pk})


class Redemption(models.Model):
    """One promotion applied to one order: what it took from the budget, for whom. Reserved at
    checkout, redeemed at payment, released (in whole or pro rata) through the order services."""

    class Status(models.TextChoices):
        RESERVED = "reserved", pgettext_lazy("redemption status", "Reserved")
        REDEEMED = "redeemed", pgettext_lazy("redemption status", "Redeemed")
        RELEASED = "released", pgettext_lazy("redemption status", "Released")

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.PROTECT, related_name="redemptions"
    )
    coupon = models.ForeignKey(
        Coupon, verbose_name=_("coupon"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField(_("code"), max_length=20, blank=True)  # a public code's use, given back on release
    order_ref = models.CharField(_("order"), max_length=40)
    person = models.CharField(_("person (keyed hash)"), max_length=80, blank=True)
    city = models.CharField(_("city"), max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), **money)  # the discount given (or credit promised)
    units = models.PositiveIntegerField(_("units"), default=1)
    budget_taken = models.DecimalField(_("budget taken"), **money, default=Decimal("0"))  # what moved each row
    released = models.DecimalField(_("given back"), **money, default=Decimal("0"))  # by partial refunds
    credit = models.DecimalField(_("话费 credit"), **money, default=Decimal("0"))  # the BSS pays it after activation
    credited_at = models.DateTimeField(_("credited at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [models.UniqueConstraint(fields=["promotion", "order_ref"], name="redemption_once_per_order")]
        indexes = [models.Index(fields=["order_ref"]), models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order_ref} · {self.promotion_id}"
