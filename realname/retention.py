"""Retention: identities are kept while they serve (an order under way, a number in service);
those of orders that ended without service (cancelled, closed unpaid, refunded, recycled) are
deleted once older than the retention period. Key rotation re-encrypts old values: the identities
here, and the encrypted bytes other apps keep (an order's pending portrait), which they register
at start-up with `encrypted_bytes` (realname never imports them)."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from realname import crypto
from realname.models import Identity

# (model, field, purpose) of encrypted bytes kept outside realname, re-encrypted by rotate()
ENCRYPTED_BYTES: list[tuple[type[models.Model], str, str]] = []
# an identity whose order's verification expired (a recycled card) no longer serves
_EXPIRED_VERIFICATION = Q(verifications__status="expired")


def encrypted_bytes(model: type[models.Model], field: str, purpose: str) -> None:
    """Register a field of encrypted bytes (crypto.encrypt_bytes with `purpose`) for key rotation."""
    if (model, field, purpose) not in ENCRYPTED_BYTES:
        ENCRYPTED_BYTES.append((model, field, purpose))


def purgeable(older_than: dt.timedelta):
    cutoff = timezone.now() - older_than
    serving = (
        Q(
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
        )
        & ~_EXPIRED_VERIFICATION
    )
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
    for model, field, purpose in ENCRYPTED_BYTES:
        stale = model._default_manager.exclude(**{field: ""}).exclude(**{f"{field}__startswith": f"{current}:"})
        for pk, value in stale.values_list("pk", field).iterator():
            plain = crypto.decrypt_bytes(value, purpose)
            model._default_manager.filter(pk=pk).update(**{field: crypto.encrypt_bytes(plain, purpose)})
            count += 1
    return count
