"""Retention: identities are kept while they serve (an order under way, a number in service);
those of orders that ended without service (cancelled, closed unpaid, refunded, recycled) are
deleted once older than the retention period. Key rotation re-encrypts old values."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from realname import crypto
from realname.models import Identity, Verification


def purgeable(older_than: dt.timedelta):
    cutoff = timezone.now() - older_than
    serving = Q(
        orders__status__in=[
            "awaiting_payment",
            "paid",
            "in_fulfilment",
            "shipped",
            "delivered",
            "completed",
            "needs_attention",
            "refunding",
        ]
    ) & ~Q(verifications__status=Verification.Status.EXPIRED)
    return Identity.objects.filter(created_at__lt=cutoff).exclude(serving).distinct()


def purge(older_than: dt.timedelta) -> int:
    count = 0
    for identity in purgeable(older_than).iterator():
        with transaction.atomic():
            identity.orders.update(identity=None)  # the orders keep their masked history
            identity.delete()  # its verifications go with it; reveal audits keep the masked copy
            count += 1
    return count


def rotate() -> int:
    """Re-encrypt every value not under the current key (the old key must still be configured)."""
    current = crypto.current_key_id()
    count = 0
    for identity in Identity.objects.exclude(id_number_encrypted__startswith=f"{current}:").iterator():
        name, id_number = identity.reveal()
        Identity.objects.filter(pk=identity.pk).update(
            name_encrypted=crypto.encrypt(name, "name"), id_number_encrypted=crypto.encrypt(id_number, "id")
        )
        count += 1
    for verification in (
        Verification.objects.exclude(portrait_encrypted="")
        .exclude(portrait_encrypted__startswith=f"{current}:")
        .iterator()
    ):
        portrait = crypto.decrypt_bytes(verification.portrait_encrypted, "portrait")
        Verification.objects.filter(pk=verification.pk).update(
            portrait_encrypted=crypto.encrypt_bytes(portrait, "portrait")
        )
        count += 1
    return count
