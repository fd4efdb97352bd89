"""Reads of promotions: what is live, what a buyer may use (the pricing engine's candidates), a
subscriber's wallet with the reason each coupon can or cannot be used now, and usage against
budget for staff."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import connection
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
    return (
        Promotion.objects.filter(status=P.PUBLISHED, starts_at__lte=now, ends_at__gt=now)
        .select_related("reward_offer")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.only("pk")),
            Prefetch("offers", queryset=Offer.objects.only("pk")),
        )
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


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()[:20]


def _not_running(promotion: Promotion | None) -> str:
    """Why a promotion that is not live is not: paused, not started yet, or over."""
    if promotion is not None and promotion.status == P.PAUSED:
        return _("This promotion is paused.")
    if promotion is not None and promotion.status == P.PUBLISHED and promotion.starts_at > timezone.now():
        when = timezone.localtime(promotion.starts_at).strftime("%m-%d %H:%M")
        return _("This promotion starts at %(when)s.") % {"when": when}
    return _("This promotion has ended.")


STATE = {
    "budget": """SELECT 'budget', b.promotion_id, NULL::bigint, b."limit" - b.used, NULL::timestamptz, '',
                        NULL::bigint, ''
                   FROM promotions_budget b WHERE b.promotion_id = ANY(%(budgeted)s) AND b.key = ANY(%(keys)s)""",
    "mine": """SELECT 'mine', cb.promotion_id, c.id, NULL, c.valid_until, cb.kind, c.batch_id, ''
                 FROM promotions_coupon c JOIN promotions_couponbatch cb ON cb.id = c.batch_id
                WHERE c.user_id = %(user)s AND c.status = 'claimed' AND cb.promotion_id = ANY(%(couponed)s)
                  AND (c.valid_until IS NULL OR c.valid_until > now())""",
    "person": """SELECT 'person', u.promotion_id, NULL::bigint, u.used, NULL::timestamptz, '', NULL::bigint, ''
                   FROM promotions_personuse u WHERE u.person = %(person)s AND u.promotion_id = ANY(%(limited)s)""",
    "codes": """SELECT 'public', cb.promotion_id, cb.id, CASE WHEN cb.total = 0 THEN NULL ELSE cb.total - cb.issued END,
                       cb.valid_until, cb.kind, NULL, cb.code
                  FROM promotions_couponbatch cb WHERE cb.code = ANY(%(codes)s) AND cb.kind = 'public'
                UNION ALL
                SELECT 'unique', cb.promotion_id, c.id, c.user_id, c.valid_until, c.status, c.batch_id, c.code
                  FROM promotions_coupon c JOIN promotions_couponbatch cb ON cb.id = c.batch_id
                 WHERE c.code = ANY(%(codes)s)""",
}


def _state(
    live: list[Promotion], user: User | AnonymousUser, codes: list[str], city: str | None, person: str
) -> list[tuple]:
    """What pricing needs besides the live promotions, in one query: budgets left, the account's
    claimed coupons of live promotions, the person's uses of limited ones, and the typed codes
    (public batches and unique coupons)."""
    params: dict[str, Any] = {
        "budgeted": [p.pk for p in live if p.budget_kind != Promotion.Budget.NONE],
        "keys": ["", f"city:{city}"] if city else [""],
        "user": user.pk if user.is_authenticated else None,
        "couponed": [p.pk for p in live if p.needs_coupon],
        "codes": codes,
        "person": person,
        "limited": [p.pk for p in live if p.per_person_limit],
    }
    parts = [
        sql
        for name, sql in STATE.items()
        if (name == "budget" and params["budgeted"])
        or (name == "mine" and params["user"] and params["couponed"])
        or (name == "codes" and codes)
        or (name == "person" and person and params["limited"])
    ]
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"({p})" for p in parts), params)
        return cursor.fetchall()


def candidates(
    user: User | AnonymousUser, typed: Iterable[str], city: str | None, person: str = ""
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """What this buyer may try: live automatic promotions, their claimed coupons, and the codes
    they typed; with a reason for every typed code that is not even a candidate. `person`: the key
    a per-person limit counts by (promotions this person has had as often as allowed are left out)."""
    codes = sorted({normalise_code(c) for c in typed if c and c.strip()})
    live_all = live_promotions()
    rows = _state(live_all, user, codes, city, person)
    had = {pid: n for kind, pid, _id, n, *_rest in rows if kind == "person"}
    spent = {p.pk for p in live_all if p.per_person_limit and had.get(p.pk, 0) >= p.per_person_limit}
    elsewhere = {p.pk for p in live_all if not _budgeted_here(p, city)}
    live = [p for p in live_all if p.pk not in spent | elsewhere]
    by_id = {p.pk: p for p in live}
    left: dict[int, Decimal] = {}
    for kind, promotion_id, _id, n, *_rest in rows:
        if kind == "budget":
            left[promotion_id] = min(left.get(promotion_id, n), n)
    found = [Candidate(p, left=left.get(p.pk)) for p in live if not p.needs_coupon]
    refused: list[tuple[str, str]] = [
        (p.description or p.name, _("You have already had this promotion as often as one person may."))
        for p in live_all
        if p.pk in spent and not p.needs_coupon
    ]
    by_code: dict[str, tuple] = {}
    for kind, promotion_id, row_id, n, until, state, ref, code in rows:
        if kind == "mine":
            if promotion_id not in by_id:
                continue
            promotion = by_id[promotion_id]
            if state == CouponBatch.Kind.RED_PACKET and promotion.reward == Promotion.Reward.BSS_CREDIT:
                continue  # a 话费 packet is credited to its number, not spent at checkout
            coupon = Coupon(pk=row_id, batch_id=ref, user_id=user.pk, status=C.CLAIMED, valid_until=until)
            found.append(Candidate(promotion, coupon=coupon, left=left.get(promotion_id)))
        elif kind in ("public", "unique"):
            by_code[code] = (kind, promotion_id, row_id, n, until, state, ref)
    for code in codes:
        promotion_id = by_code[code][1] if code in by_code else None
        if promotion_id in spent:
            refused.append((code, _("You have already had this promotion as often as one person may.")))
            continue
        if promotion_id in elsewhere:
            refused.append((code, _("Not available in your city.")))
            continue
        result = _typed(code, by_code.get(code), user, by_id)
        if isinstance(result, str):
            refused.append((code, result))
        else:
            found.append(Candidate(by_id[result[0]], coupon=result[1], code=code, left=left.get(result[0])))
    return found, refused


def _budgeted_here(promotion: Promotion, city: str | None) -> bool:
    """A budget given only per city (no whole limit) covers only those cities."""
    if promotion.budget_kind == Promotion.Budget.NONE or promotion.budget_limit is not None:
        return True
    return bool(city) and city in (promotion.budget_per_city or {})


def _not_live(promotion_id: int) -> str:
    """Why a code's promotion is not running (read only when it is not)."""
    return _not_running(Promotion.objects.filter(pk=promotion_id).only("status", "starts_at", "ends_at").first())


def _typed(
    code: str, row: tuple | None, user: User | AnonymousUser, live: dict[int, Promotion]
) -> str | tuple[int, Coupon | None]:
    """A typed code: (its promotion, its coupon if it is a unique one), or why it cannot be used."""
    if row is None:
        return _("There is no coupon with this code.")
    kind, promotion_id, row_id, n, until, state, ref = row
    if kind == "public":
        if until and until <= timezone.now():
            return _("This coupon has expired.")
        if promotion_id not in live:
            return _not_live(promotion_id)
        if n is not None and n <= 0:
            return _("This code has been used up.")
        return (promotion_id, None)
    owner = int(n) if n is not None else None
    if state in (C.REDEEMED, C.RESERVED) or (owner and user.is_authenticated and owner != user.pk):
        return _("This code has already been used.")
    if state == C.EXPIRED or (until and until <= timezone.now()):
        return _("This coupon has expired.")
    if promotion_id not in live:
        return _not_live(promotion_id)
    if not user.is_authenticated:
        return _("Sign in to use a coupon.")
    return (promotion_id, Coupon(pk=row_id, batch_id=ref, code=code, user_id=owner, status=state, valid_until=until))


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
            why = _not_running(batch.promotion)
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
