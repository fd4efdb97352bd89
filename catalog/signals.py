"""Any change to what the shop shows of the catalogue starts a new catalogue generation, so the
cached pages (core.fragments) built on the old one are not served again, in any web process."""

from catalog.models import Category, City, Offer, OfferImage, OfferVariant
from core import fragments


def connect() -> None:
    fragments.bump_on_change(fragments.CATALOG, Offer, OfferVariant, OfferImage, Category, City)
