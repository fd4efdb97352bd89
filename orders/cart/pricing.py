"""A cart's promotions: the cart's lines as the pricing engine sees them, the buyer's facts, and
the quote. The cart page, checkout and the API all price through here, so what is shown is what
checkout reserves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from catalog.selectors import category_tree
from numberpool.models import TierRule
from promotions import pricing, selectors
from realname.crypto import lookup_hash
from realname.registry import services as registry
from subscribers import bindings
from tenants.gateways import current_carrier

# The cart's priced lines (orders.cart.services.PricedLine): line, unit_price, problem, number_hold.
PricedLines = Sequence[Any]


@dataclass(frozen=True)
class Who:
    """Who is buying, as far as promotions care: known at checkout (the holder's ID, the number an
    add-on is for), guessed from the account before."""

    user: User | AnonymousUser
    id_hash: str = ""
    service_number: str = ""

    def buyer(self, city: str | None) -> pricing.Buyer:
        numbers = bindings.numbers_of(self.user)
        if self.id_hash:  # a new SIM: new means this ID holds no number with the carrier yet
            is_new = registry.held_count(current_carrier(), self.id_hash) == 0
        else:
            is_new = not numbers and not (
                self.user.is_authenticated and self.user.orders.filter(paid_at__isnull=False).exists()
            )
        return pricing.Buyer(city=city, is_new=is_new, has_bound=bool(numbers))

    def person(self, kind: str) -> str:
        """Once per person: per ID for new SIMs, per bound number for an existing number, else per
        account. Keyed hashes: nothing personal is stored."""
        if kind == "new_sim" and self.id_hash:
            return f"id:{self.id_hash}"
        if self.service_number:
            return f"number:{lookup_hash('number:' + self.service_number)}"
        return f"account:{self.user.pk}" if self.user.is_authenticated else ""


def _tier_floors(tiers: set[str]) -> dict[str, Decimal]:
    if not tiers:
        return {}
    return dict(TierRule.objects.filter(tier__in=tiers, is_active=True).values_list("tier", "price_floor"))


def items(lines: PricedLines) -> list[pricing.Item]:
    tree = category_tree()
    floors = _tier_floors({p.number_hold.tier for p in lines if p.number_hold is not None and p.number_hold.tier})
    found = []
    for p in lines:
        if p.problem:
            continue
        offer, hold = p.line.offer, p.number_hold
        fee = hold.price if hold is not None else Decimal("0")
        found.append(
            pricing.Item(
                key=p.line.pk,
                offer_id=offer.pk,
                kind=offer.kind,
                category_ids=tree.above(offer.category_id),
                tags=frozenset(offer.tags),
                unit_price=p.unit_price - fee,
                quantity=p.line.quantity,
                floor=offer.price_floor,
                number_fee=fee * p.line.quantity,
                number_tier=hold.tier if hold is not None else "",
                number_floor=floors.get(hold.tier, Decimal("0")) * p.line.quantity
                if hold is not None
                else Decimal("0"),
            )
        )
    return found


def quote(lines: PricedLines, who: Who, city: str | None, codes: list[str]) -> pricing.Quote:
    basket = items(lines)
    if not basket:
        return pricing.Quote()
    kind = "new_sim" if any(i.kind == "sim" for i in basket) else ""
    found, refused = selectors.candidates(who.user, codes, city, who.person(kind))
    if not found:
        return pricing.Quote(refused=refused)
    # the buyer's facts cost queries: only read them when a candidate asks who may have it
    asks = any(c.promotion.eligibility != c.promotion.Eligibility.ANYONE for c in found)
    buyer = who.buyer(city) if asks else pricing.Buyer(city=city)
    result = pricing.quote(basket, found, buyer, typed=[c for c in codes if c not in {r[0] for r in refused}])
    result.refused = refused + result.refused
    return result
