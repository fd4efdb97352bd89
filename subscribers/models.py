"""Subscribers as verified people: the SMS codes that prove a number is theirs, and the numbers
bound to their accounts with that proof."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.phone import mask_phone


class NumberAuthCode(models.Model):
    """An SMS code proving a visitor holds a number (number authentication). Only a keyed hash of
    the code is stored."""

    number = models.CharField(max_length=11)
    purpose = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders_numberauthcode"  # made by orders' migrations before the model moved here
        indexes = [models.Index(fields=["number", "purpose", "-created_at"])]


class BoundNumber(models.Model):
    """A number of this carrier bound to a subscriber's account, with the proof it is theirs: an SMS
    code to it, or having bought and activated it here. One account holds a number at a time; the
    row stays (with `unbound_at`) when the number leaves the account or the carrier."""

    class Proof(models.TextChoices):
        CODE = "code", _("SMS code")
        PURCHASE = "purchase", _("bought and activated here")

    class Unbound(models.TextChoices):
        BY_SUBSCRIBER = "subscriber", _("removed by the subscriber")
        PROVED_ELSEWHERE = "proved_elsewhere", _("proved by another account")
        LEFT_CARRIER = "left_carrier", _("closed or ported out")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="bound_numbers"
    )
    number = models.CharField(_("number"), max_length=11)
    primary = models.BooleanField(_("primary"), default=False)
    proof = models.CharField(_("proof"), max_length=10, choices=Proof.choices)
    proved_at = models.DateTimeField(_("proved at"))
    unbound_at = models.DateTimeField(_("unbound at"), null=True, blank=True)
    unbound_why = models.CharField(_("why unbound"), max_length=20, choices=Unbound.choices, blank=True)

    class Meta:
        verbose_name = _("bound number")
        verbose_name_plural = _("bound numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=models.Q(unbound_at__isnull=True), name="one_account_per_number"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(unbound_at__isnull=True, primary=True),
                name="one_primary_number_per_account",
            ),
        ]
        indexes = [models.Index(fields=["user", "unbound_at"])]

    def __str__(self) -> str:
        return mask_phone(self.number)


class SignInProof(models.Model):
    """The account's sign-in number was proved by an SMS code (accounts made before codes existed
    have none until their holder proves it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_proof")
    number = models.CharField(max_length=11, unique=True)
    proved_at = models.DateTimeField()


class RecordsRead(models.Model):
    """Who read the itemised records of which number and month (personal data: audited)."""

    class Via(models.TextChoices):
        PAGE = "page", _("the 我的 page")
        API = "api", _("the API")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.CharField(_("number"), max_length=11)
    month = models.CharField(_("month"), max_length=7)  # YYYY-MM
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("itemised records read")
        verbose_name_plural = _("itemised records read")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{mask_phone(self.number)} {self.month}"
