"""Deposit-for-credit offers (存费送费) configured by staff: prepay an amount, get it and a bonus
back month by month. Kept apart from `Offer`: they are bought for an existing number through
number authentication, not put in a cart."""

from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

positive_money: dict[str, Any] = {
    "max_digits": 10,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0.01"))],
}


class DepositOffer(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=30,
        unique=True,
        help_text=_("Recorded on the subscriber at the carrier: one take-up per number."),
    )
    name = models.CharField(_("name"), max_length=60)
    deposit = models.DecimalField(_("deposit (yuan)"), **positive_money)
    bonus = models.DecimalField(
        _("bonus (yuan)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    months = models.PositiveSmallIntegerField(_("months"), validators=[MinValueValidator(1), MaxValueValidator(60)])
    return_deposit_monthly = models.BooleanField(
        _("return the deposit monthly too"),
        default=False,
        help_text=_("Off: the deposit is credited at once and only the bonus comes monthly."),
    )
    deposit_from_month = models.PositiveSmallIntegerField(
        _("deposit returned from month"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("E.g. 2: nothing of the deposit comes back in the first month."),
    )
    conflicts_with = ArrayField(
        models.SlugField(max_length=30),
        verbose_name=_("not with offers"),
        default=list,
        blank=True,
        help_text=_("Codes of offers a number must not be in to take this one."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    sort_weight = models.IntegerField(_("sort weight"), default=0)

    class Meta:
        verbose_name = _("deposit-for-credit offer")
        verbose_name_plural = _("deposit-for-credit offers")
        ordering = ["-sort_weight", "deposit"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.months and self.deposit_from_month and self.deposit_from_month > self.months:
            raise ValidationError({"deposit_from_month": _("Must be within the offer's months.")})

    @property
    def total_back(self) -> Decimal:
        return self.deposit + self.bonus
