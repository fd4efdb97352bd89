"""State of the simulated carrier systems, kept in each carrier's schema like a real system's."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class SimPayment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the payer")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")

    out_trade_no = models.CharField(max_length=40, unique=True)
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
    out_refund_no = models.CharField(max_length=40, unique=True)
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
