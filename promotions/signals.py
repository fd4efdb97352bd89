"""Cached shop pages show promotions (flash prices, coupon blocks, the festival page): a staff
change starts a new catalogue generation, and the clock's own boundaries (a start, an end) cap how
long a cached page is kept."""

from __future__ import annotations

from catalog import selectors as catalog_selectors
from core import fragments


def connect() -> None:
    from promotions.models import CouponBatch, Festival, Promotion
    from promotions.selectors import next_boundary

    fragments.bump_on_change(fragments.CATALOG, Promotion, CouponBatch, Festival)
    if next_boundary not in catalog_selectors.WINDOW_SOURCES:
        catalog_selectors.WINDOW_SOURCES.append(next_boundary)
