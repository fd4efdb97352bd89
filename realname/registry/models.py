"""Which numbers each identity holds, per carrier group (or per carrier outside a group), keyed
by a keyed hash of the ID number: the public schema never holds a plaintext identity."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberClaim(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", _("In an open order")
        ACTIVE = "active", _("Held")
        RELEASED = "released", _("Released")

    scope = models.CharField(max_length=60)  # "group:<code>" or "carrier:<slug>"
    id_hash = models.CharField(max_length=64)
    carrier = models.CharField(max_length=30)
    number = models.CharField(max_length=11)
    order_ref = models.CharField(max_length=64)  # "<carrier>:<order number>"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("number claim")
        verbose_name_plural = _("number claims")
        indexes = [models.Index(fields=["scope", "id_hash", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "number"], condition=~models.Q(status="released"), name="one_live_claim_per_number"
            )
        ]
