"""Reads of promotions: what is live, what a buyer may use (the pricing engine's candidates), a
subscriber's wallet with the reason each coupon can or cannot be used now, and usage against
budget for staff."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Count, Min, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Category, Offer
from core import fragments
from core.tenancy import current_schema
from promotions.models import Budget, Coupon, CouponBatch, Festival, Promotion, Redemption
from promotions.pricing import Candidate

P = Promotion.Status
C = Coupon.Status


def _live_query(now: datetime):
    return Promotion.objects.filter(status=P.PUBLISHED, starts_at__lte=now, ends_at__gt=now).prefetch_related(
        Prefetch("categories", queryset=Category.objects.only("pk")),
        Prefetch("offers", queryset=Offer.objects.only("pk")),
    )


def live_promotions() -> list[Promotion]:
    """Every promotion live now, read once per catalogue generation and process (a start, an end,
    a pause or an edit starts a new generation; the clock's own boundaries cap the time kept)."""
    now = timezone.now()

    def build() -> list[Promotion]:
        return list(_live_query(now))

    gens = fragments.generations()
    if gens is None:
        return build()
    key = (current_schema(), "live-promotions", gens[fragments.CATALOG])
    found = fragments.LOCAL.get(key)
    if found is None or found[0] <= time.time():
        boundary = next_boundary() or time.time() + 60
        found = (min(boundary, time.time() + 60), build())
        fragments.LOCAL.set(key, found, max(found[0] - time.time(), 0.1))
    return found[1]


def next_boundary() -> float | None:
    """The next moment a published promotion starts or ends (a timestamp), for cache lifetimes."""
    now = timezone.now()
    found = Promotion.objects.filter(status=P.PUBLISHED).aggregate(
        start=Min("starts_at", filter=Q(starts_at__gt=now)), end=Min("ends_at", filter=Q(ends_at__gt=now))
    )
    times = [t.timestamp() for t in found.values() if t]
    return min(times) if times else None


def budgets_left(promotions: Iterable[Promotion], city: str | None) -> dict[int, Decimal]:
    """What each budgeted promotion has left for a buyer in `city` (the smaller of the whole and
    the city's share). An estimate for pricing: reservation is what enforces it."""
    budgeted = [p.pk for p in promotions if p.budget_kind != Promotion.Budget.NONE]
    if not budgeted:
        return {}
    left: dict[int, Decimal] = {}
    keys = ["", f"city:{city}"] if city else [""]
    for row in Budget.objects.filter(promotion_id__in=budgeted, key__in=keys).values("promotion_id", "limit", "used"):
        remaining = row["limit"] - row["used"]
        left[row["promotion_id"]] = min(left.get(row["promotion_id"], remaining), remaining)
    return left


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()[:20]


def _batch_coupon_ok(batch: CouponBatch, live_ids: set[int]) -> str:
    promotion = batch.promotion
    now = timezone.now()
    if promotion.pk in live_ids:
        return ""
    if promotion.status == P.PAUSED:
        return _("This promotion is paused.")
    if promotion.status == P.PUBLISHED and promotion.starts_at > now:
        return _("This promotion starts at %(when)s.") % {
            "when": timezone.localtime(promotion.starts_at).strftime("%m-%d %H:%M")
        }
    return _("This promotion has ended.")


def candidates(
    user: User | AnonymousUser, typed: Iterable[str], city: str | None
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """What this buyer may try: live automatic promotions, their claimed coupons, and the codes
    they typed; with a reason for every typed code that is not even a candidate."""
    live = live_promotions()
    live_ids = {p.pk for p in live}
    by_id = {p.pk: p for p in live}
    left = budgets_left(live, city)
    found = [Candidate(p, left=left.get(p.pk)) for p in live if not p.needs_coupon]
    refused: list[tuple[str, str]] = []
    now = timezone.now()
    if user.is_authenticated and any(p.needs_coupon for p in live):
        mine = (
            Coupon.objects.filter(user=user, status=C.CLAIMED, batch__promotion_id__in=live_ids)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
            .exclude(batch__kind=CouponBatch.Kind.RED_PACKET, batch__promotion__reward=Promotion.Reward.BSS_CREDIT)
        )
        for coupon in mine.select_related("batch"):
            promotion = by_id[coupon.batch.promotion_id]
            found.append(Candidate(promotion, coupon=coupon, left=left.get(promotion.pk)))
    for code in {normalise_code(c) for c in typed if c and c.strip()}:
        result = _typed(code, user, live_ids, left)
        if isinstance(result, str):
            refused.append((code, result))
        else:
            found.append(Candidate(by_id[result[0]], coupon=result[1], code=code, left=left.get(result[0])))
    return found, refused


def _typed(
    code: str, user: User | AnonymousUser, live_ids: set[int], left: dict[int, Decimal]
) -> str | tuple[int, Coupon | None]:
    """A typed code: (its promotion, its coupon if it is a unique one), or why it cannot be used."""
    batch = CouponBatch.objects.select_related("promotion").filter(code=code, kind=CouponBatch.Kind.PUBLIC_CODE).first()
    if batch is not None:
        if why := _batch_coupon_ok(batch, live_ids):
            return why
        if batch.total and batch.issued >= batch.total:
            return _("This code has been used up.")
        return (batch.promotion_id, None)
    coupon = Coupon.objects.select_related("batch__promotion").filter(code=code).first()
    if coupon is None:
        return _("There is no coupon with this code.")
    if coupon.status in (C.REDEEMED, C.RESERVED) or (
        coupon.user_id and user.is_authenticated and coupon.user_id != user.pk
    ):
        return _("This code has already been used.")
    if coupon.status == C.EXPIRED or (coupon.valid_until and coupon.valid_until <= timezone.now()):
        return _("This coupon has expired.")
    if why := _batch_coupon_ok(coupon.batch, live_ids):
        return why
    if not user.is_authenticated:
        return _("Sign in to use a coupon.")
    return (coupon.batch.promotion_id, coupon)


@dataclass
class WalletEntry:
    coupon: Coupon
    usable: bool
    why: str  # why it cannot be used now ('' when it can)

    @property
    def promotion(self) -> Promotion:
        return self.coupon.batch.promotion


def wallet(user: User) -> list[WalletEntry]:
    """我的 → 卡券: every coupon and red packet of the account, usable ones first."""
    now = timezone.now()
    entries = []
    for coupon in (
        Coupon.objects.filter(user=user).select_related("batch__promotion").order_by("valid_until", "-claimed_at")
    ):
        promotion = coupon.batch.promotion
        why = ""
        if coupon.status == C.REDEEMED:
            why = _("Credited to %(number)s.") % {"number": coupon.number} if coupon.credited_at else _("Used.")
            if (
                coupon.batch.kind == CouponBatch.Kind.RED_PACKET
                and promotion.reward == Promotion.Reward.BSS_CREDIT
                and not coupon.credited_at
            ):
                why = _("Being credited to %(number)s.") % {"number": coupon.number}
        elif coupon.status == C.RESERVED:
            why = _("Held by order %(order)s until it is paid or closed.") % {"order": coupon.order_ref}
        elif coupon.status == C.EXPIRED or (coupon.valid_until and coupon.valid_until <= now):
            why = _("Expired.")
        elif promotion.status == P.PAUSED:
            why = _("This promotion is paused.")
        elif promotion.starts_at > now:
            why = _("Usable from %(when)s.") % {
                "when": timezone.localtime(promotion.starts_at).strftime("%Y-%m-%d %H:%M")
            }
        elif promotion.status == P.ENDED or promotion.ends_at <= now or promotion.status != P.PUBLISHED:
            why = _("This promotion has ended.")
        elif promotion.min_spend:
            why = ""
        entries.append(WalletEntry(coupon, usable=not why, why=why))
    entries.sort(key=lambda e: (not e.usable, e.coupon.valid_until or now))
    return entries


@dataclass
class Claimable:
    batch: CouponBatch
    left: int | None  # None: no count
    claimed: int  # by this account
    why: str  # why this account cannot claim it now ('' when it can)


def claimable(user: User | AnonymousUser, batches: Iterable[CouponBatch] | None = None) -> list[Claimable]:
    """Claimable coupons and red packets of live promotions, with what is left of each."""
    live_ids = {p.pk for p in live_promotions()}
    if batches is None:
        batches = CouponBatch.objects.filter(
            promotion_id__in=live_ids, kind__in=[CouponBatch.Kind.CLAIMABLE, CouponBatch.Kind.RED_PACKET]
        ).select_related("promotion")
    batches = list(batches)
    mine: dict[int, int] = {}
    if user.is_authenticated and batches:
        for row in Coupon.objects.filter(user=user, batch__in=batches).values("batch_id"):
            mine[row["batch_id"]] = mine.get(row["batch_id"], 0) + 1
    found = []
    for batch in batches:
        left = batch.total - batch.issued if batch.total else None
        claimed = mine.get(batch.pk, 0)
        why = ""
        if batch.promotion_id not in live_ids:
            why = _batch_coupon_ok(batch, live_ids)
        elif left is not None and left <= 0:
            why = _("All claimed.")
        elif claimed >= batch.per_person:
            why = _("Claimed.")
        found.append(Claimable(batch, left, claimed, why))
    return found


@dataclass
class Usage:
    promotion: Promotion
    orders: int
    reserved: Decimal
    redeemed: Decimal
    limit: Decimal | None
    used: Decimal

    @property
    def left(self) -> Decimal | None:
        return None if self.limit is None else self.limit - self.used


def usage(promotions: Iterable[Promotion]) -> list[Usage]:
    """Live usage against budget, for staff (one query per table, however many promotions)."""
    promotions = list(promotions)
    ids = [p.pk for p in promotions]
    totals: dict[int, dict] = {}
    for row in (
        Redemption.objects.filter(promotion_id__in=ids)
        .exclude(status=Redemption.Status.RELEASED)
        .values("promotion_id", "status")
        .annotate(amount=Sum("amount"), released=Sum("released"), count=Count("id"))
    ):
        t = totals.setdefault(row["promotion_id"], {"orders": 0, "reserved": Decimal(0), "redeemed": Decimal(0)})
        t["orders"] += row["count"]
        t[row["status"]] += row["amount"] - row["released"]
    budgets = {b.promotion_id: b for b in Budget.objects.filter(promotion_id__in=ids, key="")}
    result = []
    for p in promotions:
        t = totals.get(p.pk, {"orders": 0, "reserved": Decimal(0), "redeemed": Decimal(0)})
        b = budgets.get(p.pk)
        result.append(
            Usage(p, t["orders"], t["reserved"], t["redeemed"], b.limit if b else None, b.used if b else Decimal(0))
        )
    return result


def festival_on_show(slug: str) -> Festival | None:
    festival = Festival.objects.filter(slug=slug).first()
    return festival if festival is not None and festival.page_visible() else None


def festival_promotions(festival: Festival) -> list[Promotion]:
    return list(
        festival.promotions.filter(status__in=[P.PUBLISHED])
        .filter(ends_at__gt=timezone.now())
        .prefetch_related("offers")
    )


def progress_key(batch_id: int) -> str:
    """Where a "generate codes" run notes its target (the cache's key function adds the schema)."""
    return f"promotions:generating:{batch_id}"


def generation_progress(batch: CouponBatch) -> dict[str, int | bool | str]:
    """Codes made against the target of the latest "generate" (from the task's note in the cache
    and the batch's own count), for the progress bar."""
    issued = CouponBatch.objects.filter(pk=batch.pk).values_list("issued", flat=True).first() or 0
    note = cache.get(progress_key(batch.pk)) or {"start": issued, "target": issued, "error": ""}
    start, target = int(note["start"]), int(note["target"])
    wanted = max(target - start, 0)
    made = min(max(issued - start, 0), wanted)
    percent = 100 if wanted == 0 else int(made * 100 / wanted)
    return {
        "issued": issued,
        "target": target,
        "made": made,
        "wanted": wanted,
        "percent": percent,
        "done": issued >= target or bool(note.get("error")),
        "error": str(note.get("error") or ""),
    }
