"""State of the simulated carrier systems, kept in each carrier's schema like a real system's."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimPayment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the payer")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")

    out_trade_no = models.CharField(max_length=64, unique=True)
    trade_no = models.CharField(max_length=40, blank=True)
    token = models.CharField(max_length=32, unique=True)  # in the pay page's URL
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    subject = models.CharField(max_length=120)
    notify_url = models.URLField(max_length=300)
    return_url = models.URLField(max_length=300)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("simulated payment")
        verbose_name_plural = _("simulated payments")

    def __str__(self):
        return self.out_trade_no


class SimRefund(models.Model):
    payment = models.ForeignKey(SimPayment, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=72, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class SimNotification(models.Model):
    """A notification the simulated gateway sends (and re-sends until acknowledged)."""

    payment = models.ForeignKey(SimPayment, on_delete=models.CASCADE, related_name="notifications")
    notify_id = models.CharField(max_length=40, unique=True)
    fields = models.JSONField()  # signed, exactly as posted
    attempts = models.PositiveSmallIntegerField(default=0)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class SimSubscriber(models.Model):
    """A subscription in the simulated BSS."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Number occupied")
        OPENED = "opened", _("Opened, not active")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=11, unique=True)
    account_id = models.CharField(max_length=24, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    plan = models.CharField(_("plan"), max_length=60, blank=True)
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2, default=0)
    arrears = models.DecimalField(_("arrears"), max_digits=12, decimal_places=2, default=0)
    offers = models.JSONField(_("offers"), default=list, blank=True)  # codes, e.g. ["deposit-2025"]
    since = models.DateField(_("since"), null=True, blank=True)
    note = models.CharField(_("what to try it for"), max_length=80, blank=True)
    # self-service: the plan's fee and allowances, how fast this subscriber uses them (a share of
    # the allowance per month), a contract, a plan change waiting for next month, the services
    plan_code = models.CharField(_("plan code"), max_length=40, blank=True)
    plan_fee = models.DecimalField(_("plan fee"), max_digits=8, decimal_places=2, default=0)
    data_mb = models.PositiveIntegerField(_("data (MB)"), default=0)
    voice_min = models.PositiveIntegerField(_("voice (minutes)"), default=0)
    sms_msgs = models.PositiveIntegerField(_("texts"), default=0)
    usage_rate = models.DecimalField(_("share used per month"), max_digits=4, decimal_places=2, default=Decimal("0.6"))
    contract_until = models.DateField(_("contract until"), null=True, blank=True)
    pending_plan = models.JSONField(_("plan from next month"), default=dict, blank=True)
    services = models.JSONField(_("value-added services"), default=list, blank=True)

    class Meta:
        verbose_name = _("simulated subscriber")
        verbose_name_plural = _("simulated subscribers")
        ordering = ["number"]

    def __str__(self):
        return self.number


class SimBill(models.Model):
    """A monthly bill of the simulated BSS, written by its bill run for each month that ended."""

    number = models.CharField(_("number"), max_length=11)
    period = models.CharField(_("month"), max_length=7)  # YYYY-MM
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    items = models.JSONField(_("items"), default=list)  # [[name, "amount"], …]
    status = models.CharField(_("status"), max_length=8)  # paid | unpaid | overdue
    due_on = models.DateField(_("due on"))

    class Meta:
        verbose_name = _("simulated bill")
        verbose_name_plural = _("simulated bills")
        constraints = [models.UniqueConstraint(fields=["number", "period"], name="sim_one_bill_per_month")]


class SimBroadbandAccount(models.Model):
    account = models.CharField(_("account"), max_length=20, unique=True)
    bound_number = models.CharField(_("bound number"), max_length=11, db_index=True)
    address = models.CharField(_("address"), max_length=120)
    bandwidth_mbps = models.PositiveIntegerField(_("bandwidth (Mbps)"))
    starts_on = models.DateField(_("starts on"))
    expires_on = models.DateField(_("expires on"))
    suspended = models.BooleanField(_("suspended"), default=False)
    promotion_until = models.DateField(_("in a promotion until"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"))
    note = models.CharField(_("what to try it for"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("simulated broadband account")
        verbose_name_plural = _("simulated broadband accounts")
        ordering = ["expires_on"]

    def __str__(self):
        return self.account


class SimOperation(models.Model):
    """Idempotency: the first result of each key, returned again for a repeated call."""

    key = models.CharField(max_length=120, unique=True)
    operation = models.CharField(max_length=40)
    result = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class SimSms(models.Model):
    """The simulated SMS gateway's outbox: what subscribers' phones would have received."""

    number = models.CharField(_("number"), max_length=11, db_index=True)
    text = models.CharField(_("text"), max_length=300)
    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("simulated text message")
        verbose_name_plural = _("simulated text messages")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{self.number} {self.sent_at:%m-%d %H:%M}"


class SimVerification(models.Model):
    """A check at the simulated real-name provider. Keeps only the outcome, never the identity."""

    reference = models.CharField(max_length=64, unique=True)
    request_id = models.CharField(max_length=32, unique=True)
    outcome = models.CharField(max_length=10)  # "passed" | "failed"
    reason = models.CharField(max_length=20, blank=True)
    decide_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)


class SimShipment(models.Model):
    """A parcel at the simulated courier; its events fall due over time."""

    key = models.CharField(max_length=120, unique=True)
    tracking_no = models.CharField(max_length=20, unique=True)
    courier = models.CharField(max_length=20)
    city = models.CharField(max_length=30, blank=True)
    events = models.JSONField(default=list)  # [{"status", "at" (ISO), "where"}], in order
    created_at = models.DateTimeField(auto_now_add=True)
