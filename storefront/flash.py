"""限时抢购 as the shop shows it: a flash promotion's offers at their flash price, and whether it is
shown now (live, or upcoming within its warm-up). Prices follow the pricing engine's own rule for
one unit (a reward never takes an offer below its floor), so the page never promises more than
checkout gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Offer
from catalog.selectors import shop_offers
from promotions.models import Promotion
from promotions.pricing import cents

R = Promotion.Reward
# A flash sale outside a festival announces itself this long before it starts.
WARMUP = timedelta(hours=24)


def warmup_from(promotion: Promotion) -> datetime:
    festival = promotion.festival
    if festival is not None and festival.warmup_from is not None:
        return min(festival.warmup_from, promotion.starts_at)
    return promotion.starts_at - WARMUP


def on_show(promotion: Promotion, now: datetime | None = None) -> bool:
    """Published, not ended, and started or within its warm-up (a paused one hides at once)."""
    now = now or timezone.now()
    return promotion.status == Promotion.Status.PUBLISHED and warmup_from(promotion) <= now < promotion.ends_at


def flash_price(promotion: Promotion, offer: Offer) -> Decimal:
    price = offer.sale_price
    value = promotion.reward_value
    if promotion.reward == R.FIXED_PRICE:
        flash = min(value, price)
    elif promotion.reward == R.AMOUNT:
        flash = price - value
    elif promotion.reward == R.PERCENT:
        flash = price - cents(price * value / 100)
    else:
        flash = price
    return max(flash, offer.price_floor, Decimal("0"))


@dataclass
class FlashOffer:
    offer: Offer
    price: Decimal

    @property
    def saving(self) -> Decimal:
        return self.offer.sale_price - self.price


def flash_offers(promotion: Promotion, city: str | None, limit: int = 20) -> list[FlashOffer]:
    ids = [o.pk for o in promotion.offers.all()]
    offers = shop_offers(city).filter(pk__in=ids).order_by("sale_price", "pk")[:limit]
    return [FlashOffer(o, flash_price(promotion, o)) for o in offers]


def countdown(promotion: Promotion, now: datetime | None = None) -> tuple[str, datetime]:
    """("start", when) before it starts, ("end", when) while it runs."""
    now = now or timezone.now()
    return ("start", promotion.starts_at) if now < promotion.starts_at else ("end", promotion.ends_at)
