"""Writes to the catalogue that bypass model saves (bulk status changes, stock), each telling the
cached shop pages when what they show has changed."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import QuerySet

from catalog.models import Offer, OfferVariant
from core import fragments
from integrations import outbox

VARIANTS = OfferVariant._meta.db_table


def set_status(offers: QuerySet[Offer], status: str) -> int:
    with transaction.atomic():  # the change and its outbox events together
        changing = list(offers.values_list("pk", flat=True)) if outbox.wanted("offer.changed") else []
        count = offers.update(status=status)
        changed = (
            Offer.objects.filter(pk__in=changing).select_related("category").prefetch_related("variants", "images")
        )
        for offer in changed:  # a bulk update sends no signal
            outbox.emit("offer.changed", "offer", offer.pk, offer)
    if count:
        fragments.bump(fragments.CATALOG)
    return count


def take_stock(variant_id: int, quantity: int) -> bool:
    """Take `quantity` from the variant's stock if it has that much (one conditional UPDATE, so
    two checkouts never both take the last one). Only selling out changes what pages show."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {VARIANTS} SET stock = stock - %s WHERE id = %s AND stock >= %s RETURNING stock",
            [quantity, variant_id, quantity],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    if row[0] == 0:
        fragments.bump(fragments.CATALOG)
    return True


def return_stock(variant_id: int, quantity: int) -> None:
    """Put stock back (a cancelled or expired order's goods never left the warehouse)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {VARIANTS} SET stock = stock + %s WHERE id = %s RETURNING stock",
            [quantity, variant_id],
        )
        row = cursor.fetchone()
    if row is not None and row[0] == quantity:  # it was sold out: pages say so and must not any more
        fragments.bump(fragments.CATALOG)
