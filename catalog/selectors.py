"""Read queries of the catalogue. Every listing costs a fixed number of queries, however many
offers it shows (images are prefetched, categories joined)."""

import re
import time
from collections.abc import Callable

from django.db.models import Min, Prefetch, Q
from django.utils import timezone

from catalog.models import Category, City, DepositOffer, Offer, OfferImage
from core import fragments
from core.tenancy import current_schema

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
CITY_SESSION_KEY = "city"  # the visitor's chosen city code (catalog.views.set_city)


def session_city(request) -> str | None:
    """The city code the visitor chose, as stored (validate with city_named before trusting it)."""
    session = getattr(request, "session", None)
    return session.get(CITY_SESSION_KEY) if session is not None else None


def cities() -> list[City]:
    """The carrier's cities: a short list read once per process and catalogue generation."""
    return fragments.local("cities", (), lambda: list(City.objects.all()), on=(fragments.CATALOG,))


def city_named(code) -> City | None:
    if not isinstance(code, str) or not SLUG.match(code):
        return None  # also keeps NUL bytes and junk away from the database
    return next((c for c in cities() if c.code == code), None)


def category_tree() -> "CategoryTree":
    """The active categories, read once per process and catalogue generation (shared: read only)."""
    return fragments.local("category-tree", (), CategoryTree, on=(fragments.CATALOG,))


# Apps above the catalogue whose prices change by the clock too (a promotion starting or ending)
# add a function returning their next such moment (a timestamp, or None); see fragment_seconds.
WINDOW_SOURCES: list[Callable[[], float | None]] = []


def fragment_seconds() -> float:
    """How long a rendered catalogue may be kept: no longer than the next moment an offer comes
    on or goes off sale by its own publish window, or a promotion starts or ends (nothing is saved
    then, so nothing bumps)."""
    gens = fragments.generations()
    key = (current_schema(), "next-window", gens[fragments.CATALOG] if gens else "")
    boundary = fragments.LOCAL.get(key)
    if boundary is None or boundary <= time.time():
        now = timezone.now()
        found = Offer.objects.filter(status=Offer.Status.ON_SALE).aggregate(
            start=Min("publish_start", filter=Q(publish_start__gt=now)),
            end=Min("publish_end", filter=Q(publish_end__gt=now)),
        )
        times = [t.timestamp() for t in found.values() if t]
        times += [t for t in (source() for source in WINDOW_SOURCES) if t]
        boundary = min(times) if times else time.time() + 86400
        fragments.LOCAL.set(key, boundary, max(boundary - time.time(), 0.1))
    return min(fragments.FRAGMENT_SECONDS, boundary - time.time())


class CategoryTree:
    """Every active category, read in one query: a carrier has tens, not thousands."""

    def __init__(self):
        self.all = list(Category.objects.filter(is_active=True))
        self.by_slug = {c.slug: c for c in self.all}
        self.by_pk = {c.pk: c for c in self.all}
        self.children = {}
        for c in self.all:
            self.children.setdefault(c.parent_id, []).append(c)

    @property
    def top(self):
        return self.children.get(None, [])

    def get(self, slug):
        return self.by_slug.get(slug)

    def above(self, category_id: int) -> frozenset[int]:
        """The category and its parents (a promotion on 手机 covers 5G 手机)."""
        ids: set[int] = set()
        node = self.by_pk.get(category_id)
        while node is not None and node.pk not in ids:
            ids.add(node.pk)
            node = self.by_pk.get(node.parent_id) if node.parent_id else None
        return frozenset(ids or {category_id})

    def below(self, category) -> list[int]:
        """The category and every active category under it."""
        ids, frontier = [], [category]
        while frontier:
            node = frontier.pop()
            ids.append(node.pk)
            frontier.extend(self.children.get(node.pk, []))
        return ids


def shop_offers(city_code=None):
    """Offers on sale now in this city, ready for a listing."""
    if city_code and not SLUG.match(str(city_code)):
        city_code = "-"  # matches no city: only nationwide offers
    first_image = Prefetch("images", queryset=OfferImage.objects.order_by("-sort_weight", "pk"))
    return Offer.objects.on_sale().available_in(city_code).select_related("category").prefetch_related(first_image)


def brands(offers, kind):
    """Brands to filter phones by (no query for other kinds)."""
    if kind != "phone":
        return []
    return sorted({b for b in offers.filter(kind="phone").values_list("attributes__brand", flat=True) if b})


def offer_for_detail(slug):
    """An on-sale offer with its images and variants, or None (off sale, draft, unknown)."""
    return (
        Offer.objects.on_sale()
        .filter(slug=slug)
        .select_related("category")
        .prefetch_related("images", "variants")
        .first()
    )


def offers_to_compare(ids):
    return list(shop_offers().filter(pk__in=ids))


def sim_offers() -> list[Offer]:
    """The SIM offers on sale, first the one the carrier puts first: a chosen number goes with one."""
    return list(Offer.objects.on_sale().filter(kind="sim").order_by("-sort_weight", "pk"))


def deposit_offers_on_sale():
    return DepositOffer.objects.filter(is_active=True)
