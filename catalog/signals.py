"""Any change to what the shop shows of the catalogue starts a new catalogue generation, so the
cached pages (core.fragments) built on the old one are not served again, in any web process."""

from django.db.models.signals import post_delete, post_save

from catalog.models import Category, City, Offer, OfferImage, OfferVariant
from core import fragments


def _changed(sender, **kwargs) -> None:
    fragments.bump(fragments.CATALOG)


def connect() -> None:
    for model in (Offer, OfferVariant, OfferImage, Category, City):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-generation-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-generation-delete-{model.__name__}")
