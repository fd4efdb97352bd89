"""Promotions benchmark: claiming and redeeming under 500 concurrent buyers, each as a ratio to the
raw conditional UPDATE it is built on (measured in the same run, same threads, same rows), and
checkout with promotions against checkout without, both counted exactly (no overshoot).

Run with `./hallctl bench bench/promotions.py` (throwaway PostgreSQL and Redis). BENCH_BUYERS sets
the number of concurrent buyers, BENCH_CHECKOUTS the sequential checkouts per side."""

import os
import threading
import time
import uuid
from contextlib import nullcontext
from decimal import Decimal

from _common import fresh_carrier, setup_django

setup_django()

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django_tenants.utils import schema_context

from core import fragments
from orders.checkout import services as checkout
from promotions import reserve, services
from promotions.models import Budget, CouponBatch, Promotion
from promotions.pricing import Applied
from tests.support.orders import DETAILS
from tests.support.promotions import carts_for, claimable, device_offer, promotion, public_code

BUYERS = int(os.environ.get("BENCH_BUYERS", "500"))
CHECKOUTS = int(os.environ.get("BENCH_CHECKOUTS", "150"))
SCHEMA = "c_benchpromo"
LIMIT = 100


def crowd(work) -> tuple[float, int]:
    """BUYERS threads, each with its own connection, start together and each does `work(k)` once;
    returns (attempts per second, successes)."""
    wins, lock = [0], threading.Lock()
    barrier = threading.Barrier(BUYERS)

    def buyer(k: int) -> None:
        connections["default"].set_schema(SCHEMA)
        connection.ensure_connection()  # connect before the start line: the race is the statement
        barrier.wait()
        try:
            if work(k):
                with lock:
                    wins[0] += 1
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=buyer, args=(k,)) for k in range(BUYERS)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return BUYERS / (time.perf_counter() - started), wins[0]


def raw_update(table: str, row_id: int, column: str, limit_column: str, amount: str = "1", atomic: bool = True):
    """The bare conditional UPDATE: in a transaction of its own (as a reservation is, inside the
    order's), or a single autocommitted statement (as a claim is)."""

    def work(_k: int) -> bool:
        with transaction.atomic() if atomic else nullcontext(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = {column} + {amount}"
                f' WHERE id = %s AND {column} + {amount} <= "{limit_column}" RETURNING id',
                [row_id],
            )
            return cursor.fetchone() is not None

    return work


ROUNDS = 3


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def bench_claims(users) -> tuple[float, float, int, int]:
    """ROUNDS interleaved rounds (raw, then the service, each on a batch of its own); medians."""
    rates, raws, claimed = [], [], []
    for round_no in range(ROUNDS):
        promo = promotion(needs_coupon=True)
        batch = claimable(promo, total=LIMIT, per_person=1)
        raw_batch = claimable(promo, total=LIMIT, per_person=1)
        mine = users[round_no * BUYERS : (round_no + 1) * BUYERS]  # 500 different accounts

        def claim(k: int, batch=batch, mine=mine) -> bool:
            try:
                services.claim(mine[k], batch.pk)
                return True
            except services.ClaimRefused:
                return False

        raw_rate, raw_wins = crowd(raw_update("promotions_couponbatch", raw_batch.pk, "issued", "total", atomic=False))
        rate, wins = crowd(claim)
        batch.refresh_from_db()
        assert raw_wins == LIMIT
        assert wins == batch.issued == batch.coupons.count() == LIMIT, (wins, batch.issued)
        rates.append(rate)
        raws.append(raw_rate)
        claimed.append(batch.issued)
    return median(rates), median(raws), sum(claimed), max(claimed)


def bench_redeems() -> tuple[float, float, int]:
    rates, raws, redeemed = [], [], 0
    for _round in range(ROUNDS):
        promo = promotion(budget_kind="uses", budget_limit=Decimal(LIMIT))
        raw_promo = promotion(budget_kind="uses", budget_limit=Decimal(LIMIT))
        raw_row = Budget.objects.get(promotion=raw_promo, key="")
        run = uuid.uuid4().hex[:6]
        applied = Applied(promo, None, "", Decimal("30"), {})  # checkout has it in hand already

        def redeem(k: int, applied=applied, run=run) -> bool:
            try:
                with transaction.atomic():
                    reserve.reserve([applied], order_ref=f"bench:{run}:{k}", user_id=k, person="", city="")
                return True
            except reserve.PromotionUnavailable:
                return False

        raw_rate, raw_wins = crowd(raw_update("promotions_budget", raw_row.pk, "used", "limit"))
        rate, wins = crowd(redeem)
        assert wins == LIMIT and Budget.objects.get(promotion=promo, key="").used == LIMIT
        assert raw_wins == LIMIT
        rates.append(rate)
        raws.append(raw_rate)
        redeemed += wins
    return median(rates), median(raws), redeemed


def checkouts_per_second(buyers, expected: Decimal) -> float:
    started = time.perf_counter()
    for user, cart in buyers:
        checkout.place_from_cart(user, cart, DETAILS, token=uuid.uuid4().hex, expected_total=expected)
    return len(buyers) / (time.perf_counter() - started)


def bench_checkout(offer, variant) -> tuple[float, float]:
    """Sequential checkouts of one phone: with no promotion live, then with an automatic one and a
    typed public code (both applied, both counted), interleaved in rounds."""
    plain_rates, promo_rates = [], []
    for _round in range(3):
        Promotion.objects.filter(status="published").update(status="ended")
        fragments.bump(fragments.CATALOG)
        plain = carts_for(CHECKOUTS // 3, offer, variant)
        plain_rates.append(checkouts_per_second(plain, checkout.plan_checkout(plain[0][1]).payable))
        auto = promotion(klass="goods", reward="amount", reward_value=Decimal("10"), combines_with=["order"])
        coded = promotion(
            needs_coupon=True, budget_kind="money", budget_limit=Decimal("100000"), combines_with=["goods"]
        )
        code = public_code(coded, total=100000).code
        promoted = carts_for(CHECKOUTS // 3, offer, variant, codes=[code])
        expected = checkout.plan_checkout(promoted[0][1]).payable
        assert expected == Decimal("159.00"), expected  # ¥199 − ¥10 − ¥30: both applied
        promo_rates.append(checkouts_per_second(promoted, expected))
        assert CouponBatch.objects.get(code=code).issued == len(promoted)
        del auto
    return sorted(promo_rates)[1], sorted(plain_rates)[1]


def main() -> None:
    fresh_carrier("benchpromo")
    with schema_context(SCHEMA):
        users = get_user_model().objects.bulk_create(
            [get_user_model()(username=f"b{k}-{uuid.uuid4().hex[:6]}") for k in range(BUYERS * ROUNDS)]
        )
        offer, variant = device_offer(Decimal("199"), stock=1_000_000)
        claim_rate, claim_raw, claims, issued = bench_claims(users)
        redeem_rate, redeem_raw, redeemed = bench_redeems()
        with_promotions, without = bench_checkout(offer, variant)
    print(
        f"{BUYERS} concurrent buyers on a limit of {LIMIT}, medians of {ROUNDS} interleaved rounds;"
        f" checkouts: {CHECKOUTS} per side in 3 interleaved rounds"
    )
    rows = [
        (
            "claim a coupon (领券)",
            claim_rate,
            claim_raw,
            f"{claims} claimed in {ROUNDS} rounds, at most {issued} a batch",
        ),
        (
            "redeem (reserve in the order's transaction)",
            redeem_rate,
            redeem_raw,
            f"{redeemed} redeemed in {ROUNDS} rounds",
        ),
        ("checkout with 2 promotions vs none", with_promotions, without, ""),
    ]
    print("| measured | /s | baseline /s | ratio | counted |")
    for name, rate, base, note in rows:
        extra = note or f"overhead {100 * (1 - rate / base):.0f} %"
        print(f"| {name} | {rate:.1f} | {base:.1f} | **{rate / base:.2f}** | {extra} |")


if __name__ == "__main__":
    main()
