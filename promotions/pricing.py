"""The price of a basket under the promotions a buyer may use: which apply, in which combination,
how much each takes off which line, and why the others do not. Pure: it reads nothing itself (the
caller passes the live promotions, budgets left and coupons), so the cart page, checkout and the
API price a basket the same way, and checkout's reservation (promotions/reserve.py) takes exactly
what was shown.

Order of application, like the anchors' engines: goods-class rewards on their lines first (in
priority order), then order-class rewards on what the goods cost after them, then number-fee
rewards on the numbers' one-off fees. No reward takes a line below its floor (the carrier's
lowest allowed price for the offer or the number's tier)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from itertools import combinations

from django.utils.translation import gettext as _

from promotions.models import Coupon, Klass, Promotion

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
R = Promotion.Reward
# A cart of many coupons is priced by trying their combinations: beyond this many candidates the
# weakest (by value alone) are left out.
MAX_CANDIDATES = 10
GOODS, FEE = "goods", "fee"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Item:
    """One cart line as pricing sees it."""

    key: int
    offer_id: int | None
    kind: str
    category_ids: frozenset[int]  # its category and that category's parents
    tags: frozenset[str]
    unit_price: Decimal  # the goods' unit price (the offer's sale price and variant)
    quantity: int
    floor: Decimal = ZERO  # the lowest unit price the carrier allows for the offer
    number_fee: Decimal = ZERO  # a SIM line's number fee or prepayment (once per line)
    number_tier: str = ""
    number_floor: Decimal = ZERO

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Buyer:
    city: str | None = None
    is_new: bool = True  # no number with the carrier yet (an ID without numbers, an account without)
    has_bound: bool = False


@dataclass(frozen=True)
class Candidate:
    promotion: Promotion
    coupon: Coupon | None = None
    code: str = ""  # the public or unique code the buyer typed
    left: Decimal | None = None  # budget left (units, uses or yuan), None: unlimited


@dataclass
class Applied:
    promotion: Promotion
    coupon: Coupon | None
    code: str
    amount: Decimal  # off the payable
    shares: dict[tuple[int, str], Decimal]  # (item key, goods|fee) → its part of the amount
    units: int = 1
    credit: Decimal = ZERO  # 话费 the BSS credits after activation
    gift_offer_id: int | None = None
    gift_value: Decimal = ZERO  # what the free add-on would cost

    @property
    def value(self) -> Decimal:
        return self.amount + self.credit + self.gift_value

    @property
    def budget_need(self) -> Decimal:
        kind = self.promotion.budget_kind
        if kind == Promotion.Budget.MONEY:
            return self.amount + self.credit + self.gift_value
        return Decimal(self.units if kind == Promotion.Budget.UNITS else 1)

    @property
    def reason(self) -> str:
        return self.promotion.description or self.promotion.name


@dataclass
class Quote:
    applied: list[Applied] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (what the buyer typed or chose, why not)

    @property
    def discount(self) -> Decimal:
        return sum((a.amount for a in self.applied), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((a.credit for a in self.applied), ZERO)

    def share(self, key: int, part: str) -> Decimal:
        return sum((a.shares.get((key, part), ZERO) for a in self.applied), ZERO)


def in_scope(promotion: Promotion, item: Item, category_ids: frozenset[int], offer_ids: frozenset[int]) -> bool:
    if promotion.offer_kinds and item.kind not in promotion.offer_kinds:
        return False
    if category_ids and not category_ids & item.category_ids:
        return False
    if promotion.tags and not set(promotion.tags) & item.tags:
        return False
    return not offer_ids or item.offer_id in offer_ids


def _scope_ids(promotion: Promotion) -> tuple[frozenset[int], frozenset[int]]:
    # prefetched by the selector: no query per candidate
    return (
        frozenset(c.pk for c in promotion.categories.all()),
        frozenset(o.pk for o in promotion.offers.all()),
    )


def eligible(promotion: Promotion, buyer: Buyer) -> str:
    """Why this buyer may not have it ('' when they may)."""
    if promotion.cities and buyer.city not in promotion.cities:
        return _("Not available in your city.")
    if promotion.eligibility == Promotion.Eligibility.NEW_SUBSCRIBERS and not buyer.is_new:
        return _("Only for new subscribers.")
    if promotion.eligibility == Promotion.Eligibility.BOUND_NUMBER and not buyer.has_bound:
        return _("Only for holders of a number bound under 我的.")
    return ""


def _unit_off(promotion: Promotion, unit: Decimal) -> Decimal:
    value = promotion.reward_value
    if promotion.reward == R.PERCENT:
        return cents(unit * min(value, Decimal(100)) / 100)
    if promotion.reward == R.AMOUNT:
        return min(value, unit)
    if promotion.reward == R.FIXED_PRICE:
        return max(unit - value, ZERO)
    return ZERO


def _allocate(total: Decimal, room: dict[tuple[int, str], Decimal]) -> dict[tuple[int, str], Decimal]:
    """Spread `total` over lines in proportion to what each may still lose, in fen; the fen left
    by rounding go to the largest lines (so the shares add up exactly)."""
    whole = sum(room.values(), ZERO)
    if whole <= 0 or total <= 0:
        return {}
    total = min(total, whole)
    shares = {k: cents(total * r / whole) for k, r in room.items()}
    left = total - sum(shares.values(), ZERO)
    for k in sorted(room, key=lambda k: room[k], reverse=True):
        if left <= 0:
            break
        step = min(CENT, room[k] - shares[k])
        if step > 0:
            shares[k] += step
            left -= step
    return {k: v for k, v in shares.items() if v > 0}


def _apply_one(
    candidate: Candidate, items: Sequence[Item], paid: dict[tuple[int, str], Decimal], buyer: Buyer
) -> tuple[Applied | None, str]:
    """The candidate on the basket as it stands (`paid`: what each line still costs per line)."""
    promotion = candidate.promotion
    if why := eligible(promotion, buyer):
        return None, why
    category_ids, offer_ids = _scope_ids(promotion)
    matching = [i for i in items if in_scope(promotion, i, category_ids, offer_ids)]
    if not matching:
        return None, _("Does not apply to what is in your cart.")
    goods = sum((paid[(i.key, GOODS)] for i in matching), ZERO)
    if promotion.min_spend and goods < promotion.min_spend:
        return None, _("Spend ¥%(min)s on eligible items to use it (¥%(now)s now).") % {
            "min": promotion.min_spend,
            "now": goods,
        }
    applied = Applied(promotion, candidate.coupon, candidate.code, ZERO, {})
    if promotion.reward in (R.BSS_CREDIT, R.FREE_ADDON) and not _has_a_number(items):
        # paid onto a number after activation (a new SIM) or after an add-on or plan is applied
        # (an existing number): a phone or broadband order has no number to give it to
        return None, _("Only with a SIM card, an add-on or a plan.")
    if promotion.reward == R.BSS_CREDIT:
        applied.credit = promotion.reward_value
    elif promotion.reward == R.FREE_ADDON:
        applied.gift_offer_id = promotion.reward_offer_id
        applied.gift_value = promotion.reward_offer.sale_price if promotion.reward_offer else ZERO
    elif promotion.klass == Klass.GOODS:
        applied.shares, applied.units = _goods_shares(promotion, matching, paid)
    elif promotion.klass == Klass.ORDER:
        room = {(i.key, GOODS): max(paid[(i.key, GOODS)] - i.floor * i.quantity, ZERO) for i in matching}
        applied.shares = _allocate(_order_off(promotion, goods), room)
    else:
        applied.shares = _fee_shares(promotion, matching, paid)
    applied.amount = sum(applied.shares.values(), ZERO)
    if not applied.value:
        if any(i.floor or i.number_floor for i in matching):
            return None, _("The price is already at the lowest the carrier allows.")
        return None, _("Does not apply to what is in your cart.")
    if candidate.left is not None and applied.budget_need > candidate.left:
        return None, _("This promotion has run out.")
    return applied, ""


def _order_off(promotion: Promotion, goods: Decimal) -> Decimal:
    """An order-class reward on what the eligible goods cost together."""
    if promotion.reward == R.PERCENT:
        return cents(goods * min(promotion.reward_value, Decimal(100)) / 100)
    if promotion.reward == R.FIXED_PRICE:  # the eligible goods together cost this
        return max(goods - promotion.reward_value, ZERO)
    return promotion.reward_value


def _has_a_number(items: Sequence[Item]) -> bool:
    """Whether the order will have a number to credit: a new SIM, or add-ons and plans alone (they
    apply to the subscriber's number); not a phone or broadband order."""
    kinds = {i.kind for i in items}
    return "sim" in kinds or (not kinds & {"phone", "broadband"} and bool(kinds & {"addon", "plan"}))


def _goods_shares(
    promotion: Promotion, matching: Sequence[Item], paid: dict[tuple[int, str], Decimal]
) -> tuple[dict[tuple[int, str], Decimal], int]:
    """Off each unit of each matching line, never below the offer's floor; and the units it took."""
    shares, units = {}, 0
    for item in matching:
        unit_now = paid[(item.key, GOODS)] / item.quantity
        off = min(_unit_off(promotion, unit_now), max(unit_now - item.floor, ZERO))
        if off > 0:
            shares[(item.key, GOODS)] = cents(off * item.quantity)
            units += item.quantity
    return shares, units


def _fee_shares(
    promotion: Promotion, matching: Sequence[Item], paid: dict[tuple[int, str], Decimal]
) -> dict[tuple[int, str], Decimal]:
    """Off the number fees of the tiers it names, never below the tier's floor."""
    shares = {}
    for item in matching:
        if not item.number_fee or (promotion.number_tiers and item.number_tier not in promotion.number_tiers):
            continue
        fee_now = paid[(item.key, FEE)]
        off = fee_now if promotion.reward == R.WAIVE_NUMBER_FEE else _unit_off(promotion, fee_now)
        off = min(off, max(fee_now - item.number_floor, ZERO))
        if off > 0:
            shares[(item.key, FEE)] = off
    return shares


def combine(a: Promotion, b: Promotion) -> bool:
    if a.exclusive or b.exclusive or a.pk == b.pk:
        return False
    return b.klass in a.combines_with and a.klass in b.combines_with


def _stage(candidate: Candidate) -> int:
    klass = candidate.promotion.klass
    return 0 if klass == Klass.GOODS else (1 if klass == Klass.ORDER else 2)


def _run(
    subset: Sequence[Candidate], items: Sequence[Item], buyer: Buyer
) -> tuple[list[Applied], list[tuple[Candidate, str]]]:
    paid = {}
    for item in items:
        paid[(item.key, GOODS)] = item.subtotal
        paid[(item.key, FEE)] = item.number_fee
    applied, refused = [], []
    for candidate in sorted(subset, key=lambda c: (_stage(c), -c.promotion.priority, c.promotion.pk)):
        result, why = _apply_one(candidate, items, paid, buyer)
        if result is None:
            refused.append((candidate, why))
            continue
        for key, amount in result.shares.items():
            paid[key] -= amount
        applied.append(result)
    return applied, refused


def _compatible(subset: Sequence[Candidate]) -> bool:
    return all(combine(a.promotion, b.promotion) for a, b in combinations(subset, 2))


def quote(items: Sequence[Item], candidates: Iterable[Candidate], buyer: Buyer, *, typed: Iterable[str] = ()) -> Quote:
    """The best allowed combination of `candidates` for this basket. `typed`: the codes the buyer
    entered, each of which is either applied or refused with its reason."""
    # one candidate per promotion (the coupon that expires first), each worth something alone
    best_alone: dict[int, tuple[Candidate, Decimal]] = {}
    code_refused: dict[str, tuple[int, str]] = {}  # a typed code → (its promotion, why not alone)
    code_promotion: dict[str, int] = {}
    for candidate in candidates:
        if candidate.code:
            code_promotion[candidate.code] = candidate.promotion.pk
        applied, failed = _run([candidate], items, buyer)
        if not applied:
            if candidate.code:
                code_refused[candidate.code] = (candidate.promotion.pk, failed[0][1])
            continue
        value = applied[0].value
        kept = best_alone.get(candidate.promotion.pk)
        if kept is None or _prefer(candidate, value, kept):
            best_alone[candidate.promotion.pk] = (candidate, value)
    pool = sorted(best_alone.values(), key=lambda cv: (cv[1], cv[0].promotion.priority), reverse=True)
    result = Quote(applied=_best([c for c, _v in pool[:MAX_CANDIDATES]], items, buyer))
    used = {a.promotion.pk for a in result.applied}
    for code in {c.strip().upper() for c in typed if c.strip()}:
        if code not in code_promotion or code_promotion[code] in used:
            continue  # not a candidate (the caller said why), or its promotion applies
        if code in code_refused:
            result.refused.append((code, code_refused[code][1]))
        else:
            result.refused.append((code, _("Cannot be combined with the better discount already applied.")))
    return result


def _best(pool: Sequence[Candidate], items: Sequence[Item], buyer: Buyer) -> list[Applied]:
    """The allowed combination worth most; of equals, the one that uses fewer coupons."""
    best: tuple[Decimal, int, list[Applied]] = (ZERO, 0, [])
    for size in range(1, len(pool) + 1):
        for subset in combinations(pool, size):
            if not _compatible(subset):
                continue
            applied, _failed = _run(subset, items, buyer)
            value = sum((a.value for a in applied), ZERO)
            coupons = sum(1 for a in applied if a.coupon is not None or a.code)
            if value > best[0] or (value == best[0] and applied and coupons < best[1]):
                best = (value, coupons, applied)
    return best[2]


def _prefer(candidate: Candidate, value: Decimal, kept: tuple[Candidate, Decimal]) -> bool:
    """Between two coupons of one promotion: the bigger saving, then the one that expires first."""
    other, other_value = kept
    if value != other_value:
        return value > other_value
    mine = candidate.coupon.valid_until if candidate.coupon and candidate.coupon.valid_until else None
    theirs = other.coupon.valid_until if other.coupon and other.coupon.valid_until else None
    return mine is not None and (theirs is None or mine < theirs)
