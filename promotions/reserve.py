"""Taking and giving back what promotions count, each by one conditional statement in the
caller's transaction (the order's): a budget row, a person's uses, a public code's count, a
coupon's single use. Never read-then-write: the anchors' race bugs (Saleor, django-oscar,
Shopware, PrestaShop exceeding usage limits under parallel checkouts) were all that. A refused
statement raises, so the order's transaction rolls back whole and nothing is half-taken; the CHECK
constraints on the same columns stand behind the statements."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from core.prepared import Prepared
from promotions.models import Coupon, Promotion, Redemption
from promotions.pricing import Applied

LIVE = "status = 'published' AND starts_at <= now() AND ends_at > now()"


class PromotionUnavailable(HallError):
    """A promotion shown a moment ago can no longer be had; the message names it and why."""

    code = "promotion_unavailable"
    status = 409


def budget_keys(promotion: Promotion, city: str) -> list[str]:
    keys = [""] if promotion.budget_limit is not None else []
    if city and city in (promotion.budget_per_city or {}):
        keys.append(f"city:{city}")
    return keys


def _one(sql: str, params: Sequence) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


COLUMNS = ("p", "c", "code", "person", "city", "amount", "units", "need", "credit")
VALUES = """unnest(%(p)s::int[], %(c)s::int[], %(code)s::text[], %(person)s::text[], %(city)s::text[],
                   %(amount)s::numeric[], %(units)s::int[], %(need)s::numeric[], %(credit)s::numeric[])
            AS v(p, c, code, person, city, amount, units, need, credit)"""
INSERT = """INSERT INTO promotions_redemption (promotion_id, coupon_id, code, order_ref, person, city, amount,
                   units, budget_taken, released, credit, status, created_at)
            SELECT v.p, v.c, v.code, %(order_ref)s, v.person, v.city, v.amount, v.units, v.need, 0, v.credit,
                   'reserved', now()"""


def _rows(applied: Sequence[Applied], *, order_ref: str, person: str, city: str) -> dict[str, Any]:
    """The redemptions as columns (arrays), the way both statements below take them."""
    columns: dict[str, list] = {k: [] for k in COLUMNS}
    for a in applied:
        keys = budget_keys(a.promotion, city) if a.promotion.budget_kind != Promotion.Budget.NONE else []
        for name, value in zip(
            COLUMNS,
            (
                a.promotion.pk,
                a.coupon.pk if a.coupon else None,
                a.code if a.coupon is None else "",
                person if a.promotion.per_person_limit else "",
                city if f"city:{city}" in keys else "",
                a.amount,
                a.units,
                a.budget_need if keys else Decimal(0),
                a.credit,
            ),
            strict=True,
        ):
            columns[name].append(value)
    return {"order_ref": order_ref, **columns}


def _record_unbudgeted(applied: Sequence[Applied], **where: str) -> list[int]:
    """The redemptions of promotions without a budget, in one INSERT that takes no shared lock: each
    goes in only while its promotion is live (a pause stops the next checkout)."""
    if not applied:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{INSERT} FROM {VALUES}
                 WHERE EXISTS (SELECT 1 FROM promotions_promotion WHERE id = v.p AND {LIVE})
             RETURNING promotion_id, id""",
            _rows(applied, **where),
        )
        made = dict(cursor.fetchall())
    for a in applied:
        if a.promotion.pk not in made:
            raise PromotionUnavailable(_("“%(name)s” has just ended.") % {"name": a.promotion.name}, "ended")
    return list(made.values())


BUDGETED = Prepared(
    "hall_budgeted_redemption",
    f"""WITH live AS (SELECT 1 FROM promotions_promotion WHERE id = %(promotion)s AND {LIVE}),
             taken AS (UPDATE promotions_budget SET used = used + %(taking)s
                        WHERE promotion_id = %(promotion)s AND key = ANY(%(keys)s)
                          AND used + %(taking)s <= "limit" AND EXISTS (SELECT 1 FROM live)
                    RETURNING key),
             made AS ({INSERT} FROM {VALUES} WHERE (SELECT count(*) FROM taken) = %(rows)s RETURNING id)
        SELECT (SELECT id FROM made), EXISTS (SELECT 1 FROM live)""",
    [
        ("order_ref", "text"),
        ("p", "int[]"),
        ("c", "int[]"),
        ("code", "text[]"),
        ("person", "text[]"),
        ("city", "text[]"),
        ("amount", "numeric[]"),
        ("units", "int[]"),
        ("need", "numeric[]"),
        ("credit", "numeric[]"),
        ("promotion", "bigint"),
        ("taking", "numeric"),
        ("keys", "text[]"),
        ("rows", "int"),
    ],
)


def _take_budget_and_record(applied: Applied, *, city: str, **where: str) -> int:
    """One statement: every budget row (the whole, the city's share) moves by one conditional UPDATE
    while the promotion is live, and the redemption goes in only if all of them had room (any row
    that did move is rolled back with the caller's transaction). It also says whether the promotion
    was live, so a refusal names its reason without another round trip."""
    promotion = applied.promotion
    keys = budget_keys(promotion, city)
    with connection.cursor() as cursor:
        BUDGETED.execute(
            cursor,
            {
                **_rows([applied], city=city, **where),
                "promotion": promotion.pk,
                "taking": applied.budget_need,
                "keys": keys,
                "rows": len(keys),
            },
        )
        made, live = cursor.fetchone()
    if made is not None:
        return made
    name = {"name": promotion.name}
    if not live:
        raise PromotionUnavailable(_("“%(name)s” has just ended.") % name, "ended")
    raise PromotionUnavailable(_("“%(name)s” has just run out.") % name, "budget_spent")


def _take_person(applied: Applied, person: str) -> None:
    limit = applied.promotion.per_person_limit
    if not limit or not person:
        return
    row = _one(
        """INSERT INTO promotions_personuse (promotion_id, person, used) VALUES (%s, %s, 1)
           ON CONFLICT (promotion_id, person) DO UPDATE SET used = promotions_personuse.used + 1
            WHERE promotions_personuse.used < %s
        RETURNING used""",
        [applied.promotion.pk, person, limit],
    )
    if row is None:
        raise PromotionUnavailable(
            _("“%(name)s” is limited to %(limit)d per person, and this person has had it.")
            % {"name": applied.promotion.name, "limit": limit},
            "per_person",
        )


def _take_code(applied: Applied) -> None:
    """A public code with a count: one use more, unless it is used up."""
    if applied.coupon is not None or not applied.code:
        return
    row = _one(
        """UPDATE promotions_couponbatch SET issued = issued + 1
            WHERE code = %s AND (total = 0 OR issued < total) RETURNING id""",
        [applied.code],
    )
    if row is None:
        raise PromotionUnavailable(_("The code %(code)s has just been used up.") % {"code": applied.code}, "used_up")


def _take_coupon(applied: Applied, user_id: int, order_ref: str) -> None:
    if applied.coupon is None:
        return
    row = _one(
        """UPDATE promotions_coupon SET status = 'reserved', order_ref = %s, user_id = %s,
                  claimed_at = COALESCE(claimed_at, now())
            WHERE id = %s AND ((status = 'claimed' AND user_id = %s) OR (status = 'issued' AND user_id IS NULL))
              AND (valid_until IS NULL OR valid_until > now())
        RETURNING id""",
        [order_ref, user_id, applied.coupon.pk, user_id],
    )
    if row is None:
        raise PromotionUnavailable(
            _("Your coupon for “%(name)s” can no longer be used (used by another order or expired).")
            % {"name": applied.promotion.name},
            "coupon_gone",
        )


def reserve(applied: Sequence[Applied], *, order_ref: str, user_id: int, person: str, city: str) -> list[int]:
    """Take everything `applied` counts for one order, or raise PromotionUnavailable; returns the
    redemptions' ids. Call inside the order's transaction, after the order row exists and as late
    as possible: the budget rows stay locked until it commits. Promotions in id order: two orders
    lock rows in the same order."""
    ordered = sorted(applied, key=lambda a: a.promotion.pk)
    for item in ordered:
        if item.promotion.budget_kind != Promotion.Budget.NONE and not budget_keys(item.promotion, city):
            # a budget given only per city covers only those cities
            raise PromotionUnavailable(
                _("“%(name)s” is not available in your city.") % {"name": item.promotion.name}, "city"
            )
    budgeted = [
        a for a in ordered if a.promotion.budget_kind != Promotion.Budget.NONE and budget_keys(a.promotion, city)
    ]
    where = {"order_ref": order_ref, "person": person}
    counted = {id(a) for a in budgeted}
    made = _record_unbudgeted([a for a in ordered if id(a) not in counted], city=city, **where)
    for item in ordered:  # the shared rows last: each stays locked from its UPDATE to the commit only
        _take_coupon(item, user_id, order_ref)
        _take_code(item)
        _take_person(item, person)
    for item in budgeted:
        made.append(_take_budget_and_record(item, city=city, **where))
    return made


def confirm(order_ref: str) -> int:
    """The order was paid: its reservations are redemptions for good."""
    now = timezone.now()
    Coupon.objects.filter(order_ref=order_ref, status=Coupon.Status.RESERVED).update(
        status=Coupon.Status.REDEEMED, redeemed_at=now
    )
    return Redemption.objects.filter(order_ref=order_ref, status=Redemption.Status.RESERVED).update(
        status=Redemption.Status.REDEEMED, settled_at=now
    )


def _give_budget(redemption: Redemption, amount: Decimal) -> None:
    if not amount:
        return
    keys = [""] if redemption.promotion.budget_limit is not None else []
    if redemption.city:
        keys.append(f"city:{redemption.city}")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE promotions_budget SET used = GREATEST(used - %s, 0) WHERE promotion_id = %s AND key = ANY(%s)",
            [amount, redemption.promotion_id, keys],
        )


@transaction.atomic
def release(order_ref: str) -> int:
    """The order closed unpaid, was cancelled or refunded whole: everything it took goes back —
    budget, the person's use, a public code's use — and its coupons return to their owners while
    still valid. Idempotent: a redemption is released once (locked, then marked)."""
    released = 0
    for redemption in (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("promotion")
        .filter(order_ref=order_ref)
        .exclude(status=Redemption.Status.RELEASED)
        .order_by("promotion_id")
    ):
        _give_budget(redemption, redemption.budget_taken - _released_budget(redemption))
        if redemption.person:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE promotions_personuse SET used = used - 1"
                    " WHERE promotion_id = %s AND person = %s AND used > 0",
                    [redemption.promotion_id, redemption.person],
                )
        if redemption.code:
            with connection.cursor() as cursor:  # a public code's use, if it counts
                cursor.execute(
                    "UPDATE promotions_couponbatch SET issued = issued - 1 WHERE code = %s AND issued > 0",
                    [redemption.code],
                )
        redemption.status = Redemption.Status.RELEASED
        redemption.released = redemption.amount
        redemption.settled_at = timezone.now()
        redemption.save(update_fields=["status", "released", "settled_at"])
        released += 1
    now = timezone.now()
    coupons = Coupon.objects.filter(order_ref=order_ref, status__in=[Coupon.Status.RESERVED, Coupon.Status.REDEEMED])
    coupons.filter(valid_until__lte=now).update(status=Coupon.Status.EXPIRED, order_ref="")
    coupons.update(status=Coupon.Status.CLAIMED, order_ref="", redeemed_at=None)
    return released


def _released_budget(redemption: Redemption) -> Decimal:
    """What partial refunds already gave back to a money budget."""
    if redemption.promotion.budget_kind != Promotion.Budget.MONEY or not redemption.amount:
        return Decimal(0)
    return (redemption.budget_taken * redemption.released / (redemption.amount + redemption.credit)).quantize(
        Decimal("0.01")
    )


@transaction.atomic
def release_share(order_ref: str, shares: dict[int, Decimal]) -> Decimal:
    """A partial refund: each promotion gives back to its money budget the part of its discount that
    sat on the refunded lines (`shares`: promotion id → yuan, pro rata, computed by the order). Counts
    (uses, units, a coupon) stay taken: the order still had the promotion."""
    given = Decimal(0)
    for redemption in (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("promotion")
        .filter(order_ref=order_ref, promotion_id__in=list(shares))
        .exclude(status=Redemption.Status.RELEASED)
        .order_by("promotion_id")
    ):
        share = min(shares[redemption.promotion_id], redemption.amount - redemption.released)
        if share <= 0:
            continue
        before = _released_budget(redemption)
        redemption.released += share
        _give_budget(redemption, _released_budget(redemption) - before)
        redemption.save(update_fields=["released"])
        given += share
    return given
