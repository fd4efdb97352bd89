"""What TMF620 partners create that Hall's catalogue has no place for: their product
specifications, standalone prices, and the specification an offering they created refers to
(possibly one that does not exist here: TMF allows a dangling reference)."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Offer

money: dict = {"max_digits": 12, "decimal_places": 2}


class Specification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    brand = models.CharField(_("brand"), max_length=60, blank=True)
    version = models.CharField(_("version"), max_length=20, blank=True, default="1.0")
    lifecycle_status = models.CharField(_("lifecycle status"), max_length=20, default="In design")
    kind = models.CharField(_("offer kind"), max_length=12, blank=True)
    characteristics = models.JSONField(_("characteristics"), default=list, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product specification")
        verbose_name_plural = _("product specifications")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class Price(models.Model):
    class PriceType(models.TextChoices):
        ONE_TIME = "oneTime", _("one-time")
        RECURRING = "recurring", _("recurring")
        USAGE = "usage", _("usage")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    price_type = models.CharField(_("price type"), max_length=10, choices=PriceType.choices, default=PriceType.ONE_TIME)
    period = models.CharField(_("charge period"), max_length=10, blank=True)
    value = models.DecimalField(_("amount (yuan)"), **money, null=True, blank=True)
    version = models.CharField(_("version"), max_length=20, blank=True, default="1.0")
    lifecycle_status = models.CharField(_("lifecycle status"), max_length=20, default="In design")
    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tmf_prices"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product offering price")
        verbose_name_plural = _("product offering prices")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class OfferingLink(models.Model):
    """An offering created through TMF620 and the specification it named."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="tmf_link", primary_key=True)
    specification = models.JSONField(_("product specification"), default=dict, blank=True)
    version = models.CharField(_("version"), max_length=20, blank=True, default="1.0")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("offering created through the API")
        verbose_name_plural = _("offerings created through the API")

    def __str__(self):
        return str(self.offer)


class OrderLink(models.Model):
    """An order placed through TMF622: the token (the channel) that placed it, the partner's own
    id for it, its parties and item ids, as the partner sent them (echoed back, never trusted)."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="tmf_link", primary_key=True)
    token = models.ForeignKey(
        "integrations.ApiToken", verbose_name=_("API token"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=60, blank=True)
    external_id = models.CharField(_("partner's order id"), max_length=60, blank=True)
    related_party = models.JSONField(_("related parties"), default=list, blank=True)
    items = models.JSONField(_("order items"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order placed through the API")
        verbose_name_plural = _("orders placed through the API")

    def __str__(self):
        return str(self.order)


class Cancellation(models.Model):
    """A TMF622 cancelProductOrder request and what came of it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="tmf_cancellations")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=24)
    message = models.CharField(_("message"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order cancellation request")
        verbose_name_plural = _("order cancellation requests")
        ordering = ["requested_at", "id"]

    def __str__(self):
        return f"{self.order} {self.state}"


class Reservation(models.Model):
    """A TMF685 reservation of numbers (openapi_tmf.numbers). The numbers' holds belong to
    `hold_owner` (`tmf:<token id>:<reservation id>`) until they expire, are released, or an order
    takes them over (`taken_by`: the order's hold owner)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")
        USED = "used", _("taken over by an order")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    token = models.ForeignKey(
        "integrations.ApiToken", verbose_name=_("API token"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    numbers = ArrayField(models.CharField(max_length=11), verbose_name=_("numbers"))
    hold_owner = models.CharField(_("held by"), max_length=64, unique=True, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    expires_at = models.DateTimeField(_("expires at"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    taken_by = models.CharField(_("taken over by"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("number reservation")
        verbose_name_plural = _("number reservations")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self):
        return str(self.id)
