"""Hall's own JSON of an offer, as staff webhooks receive it, and the outbox events of offers:
created, changed and deleted, from the model's signals (admin, services, API and imports alike),
in the transaction of the save or delete."""

from __future__ import annotations

from django.db.models.signals import post_save, pre_delete

from catalog.models import Offer
from integrations import outbox


def offer_json(offer: Offer) -> dict:
    return {
        "id": offer.pk,
        "slug": offer.slug,
        "name": offer.name,
        "kind": offer.kind,
        "category": offer.category_id,
        "status": offer.status,
        "list_price": str(offer.list_price),
        "sale_price": str(offer.sale_price),
        "available_cities": list(offer.available_cities),
        "publish_start": offer.publish_start.isoformat() if offer.publish_start else None,
        "publish_end": offer.publish_end.isoformat() if offer.publish_end else None,
        "updated_at": offer.updated_at.isoformat() if offer.updated_at else None,
    }


def _saved(sender, instance: Offer, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw:  # fixtures being loaded are not changes
        outbox.emit("offer.created" if created else "offer.changed", "offer", instance.pk, instance)


def _deleted(sender, instance: Offer, **kwargs) -> None:
    # before the rows go (in the delete's transaction): the event carries the offer as it was
    outbox.emit("offer.deleted", "offer", instance.pk, instance)


def connect() -> None:
    outbox.register_renderer("offer", outbox.HALL, offer_json)
    post_save.connect(_saved, sender=Offer, dispatch_uid="catalog.offer_outbox_saved")
    pre_delete.connect(_deleted, sender=Offer, dispatch_uid="catalog.offer_outbox_deleted")
