"""The open platform's records in a carrier's schema: API tokens for partners and staff (a token
lives in its carrier's schema, so another carrier's host never finds it)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApiToken(models.Model):
    """A bearer credential. Only a keyed hash of the secret is stored; the secret is shown once."""

    name = models.CharField(_("name"), max_length=60, help_text=_("Who uses it, e.g. a channel partner's system."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(_("token begins with"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=20), verbose_name=_("scopes"), default=list, blank=True)
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}****)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class Subscription(models.Model):
    """Who is told about what: a TMF hub registered through `/hub` by a partner's token, or a
    webhook a staff member set up in the admin. Bodies are signed with the subscription's secret."""

    class Kind(models.TextChoices):
        TMF_HUB = "tmf_hub", _("TMF hub")
        WEBHOOK = "webhook", _("Webhook")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WEBHOOK)
    api = models.CharField(
        _("TMF API"), max_length=60, blank=True, help_text=_("For hubs: the TMF API, e.g. productOrderingManagement.")
    )
    callback = models.URLField(_("callback URL"), max_length=500)
    query = models.CharField(
        _("query"),
        max_length=1000,
        blank=True,
        help_text=_("For hubs: the TMF query, e.g. eventType=ProductOrderStateChangeEvent. For webhooks: the topics."),
    )
    secret = models.CharField(_("signing secret"), max_length=80, editable=False)
    active = models.BooleanField(_("active"), default=True)
    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("registered by token"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("event subscription")
        verbose_name_plural = _("event subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.callback}"

    @property
    def topics(self) -> list[str]:
        """A webhook's topics (stored comma-separated in `query`)."""
        return [t for t in (part.strip() for part in self.query.split(",")) if t]


class OutboxEvent(models.Model):
    """One change, written in the change's transaction; the id orders the events."""

    id = models.BigAutoField(primary_key=True, verbose_name=pgettext_lazy("outbox event", "number"))
    event_id = models.UUIDField(_("event id"), unique=True, editable=False)
    topic = models.CharField(_("topic"), max_length=40)
    resource_type = models.CharField(_("resource type"), max_length=20)
    resource_id = models.CharField(_("resource id"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outgoing event")
        verbose_name_plural = _("outgoing events")
        ordering = ["-id"]

    def __str__(self):
        return f"#{self.pk} {self.topic} {self.resource_type}:{self.resource_id}"


class Delivery(models.Model):
    """One event to one subscription: sent until answered 2xx, or given up after the window."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("outbox delivery", "Pending")
        DELIVERED = "delivered", pgettext_lazy("outbox delivery", "Delivered")
        GAVE_UP = "gave_up", _("Gave up")

    event = models.ForeignKey(OutboxEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # "<resource_type>:<resource_id>" of the event: deliveries of one resource go out in order
    resource_key = models.CharField(_("resource"), max_length=90, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-event_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once_per_event")]
        indexes = [
            # the deliverers' pick: pending ones in event order, each checked against its resource's earlier ones
            models.Index(fields=["event"], condition=models.Q(status="pending"), name="delivery_pending_in_order"),
            models.Index(
                fields=["subscription", "resource_key", "event"],
                condition=models.Q(status="pending"),
                name="delivery_pending_per_resource",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription_id}"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per POST."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-at", "-pk"]
