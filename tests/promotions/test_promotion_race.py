"""Counted limits under real parallel connections, in the style of the number race: 500 checkouts at
once on a 100-use code leave exactly 100 redeemed; a ¥1,000 budget of ¥30 discounts is never
exceeded by a fen; a checkout process SIGKILLed while it holds a reservation leaves nothing taken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django_tenants.utils import schema_context

from core import fragments
from orders import discounts
from orders.checkout import services as checkout
from orders.models import Cart, Order, OrderDiscount
from promotions import reserve
from promotions.models import Budget, PersonUse, Promotion, Redemption
from promotions.pricing import Applied
from promotions.reserve import PromotionUnavailable
from tests.support.clients import PROJECT, subprocess_env, wait_until
from tests.support.orders import DETAILS
from tests.support.promotions import carts_for, device_offer, promotion, public_code

SCHEMA = "c_beta"
BUYERS = 500


def _cleanup(promotions: list[Promotion], offer) -> None:
    refs = list(Redemption.objects.filter(promotion__in=promotions).values_list("order_ref", flat=True))
    users = set()
    for order in Order.objects.filter(lines__offer=offer).distinct():
        users.add(order.user_id)
        order.events.all().delete()
        order.delete()
    Redemption.objects.filter(order_ref__in=refs).delete()
    for p in promotions:
        p.batches.all().delete()
        PersonUse.objects.filter(promotion=p).delete()
        p.delete()
    carts = Cart.objects.filter(lines__offer=offer)
    users |= set(carts.values_list("user_id", flat=True))
    carts.delete()
    offer.delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk__in=users).delete()


def _all_at_once(args: list, work, refusal: type[Exception]) -> tuple[list, list, list]:
    """`work(arg)` for every arg at once, each in a thread with its own connection, released
    together; returns (what succeeded returned, the refusals, anything else raised)."""
    done, refused, errors, lock = [], [], [], threading.Lock()
    barrier = threading.Barrier(len(args))

    def run(arg) -> None:
        try:
            connections["default"].set_schema(SCHEMA)
            barrier.wait()
            result = work(arg)
            with lock:
                done.append(result)
        except refusal as exc:
            with lock:
                refused.append(exc)
        except Exception as exc:  # noqa: BLE001 — surfaced by the caller: a racer must not die silently
            with lock:
                errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=run, args=(a,)) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, refused, errors


def _race(buyers, expected: Decimal, token: str = "race") -> tuple[list[Order], list, list]:
    """Every buyer checks out at once."""

    def buy(buyer) -> Order:
        user, cart = buyer
        return checkout.place_from_cart(user, cart, DETAILS, token=f"{token}-{user.pk}", expected_total=expected)

    return _all_at_once(list(buyers), buy, checkout.CheckoutError)


@pytest.fixture
def race_shop(django_db_setup, django_db_blocker):
    made: dict = {"promotions": []}
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        made["offer"], made["variant"] = device_offer(Decimal("199"))
    yield made
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        _cleanup(made["promotions"], made["offer"])


def test_500_parallel_checkouts_on_a_100_use_code_leave_exactly_100_redeemed(race_shop, django_db_blocker):
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        promo = promotion(needs_coupon=True, min_spend=Decimal("100"))
        race_shop["promotions"].append(promo)
        batch = public_code(promo, code="RACE100", total=100)
        buyers = carts_for(BUYERS, race_shop["offer"], race_shop["variant"], codes=["RACE100"])
        expected = checkout.plan_checkout(buyers[0][1]).payable
        assert expected == Decimal("169.00")  # ¥199 − ¥30: every buyer is shown the code's price

        placed, refused, errors = _race(buyers, expected)

        assert not errors, errors[:3]
        assert len(placed) == 100 and len(refused) == BUYERS - 100
        assert all("RACE100" in str(e) or "used up" in str(e) or "用完" in str(e) for e in refused[:5])
        batch.refresh_from_db()
        assert batch.issued == 100
        assert Redemption.objects.filter(promotion=promo).count() == 100
        # the losers wrote nothing: no order, their carts still full, stock only for the winners
        assert Order.objects.filter(lines__offer=race_shop["offer"]).count() == 100
        race_shop["variant"].refresh_from_db()
        assert race_shop["variant"].stock == 10_000 - 100
        for order in placed:  # paid: redeemed for good
            discounts.confirm(order)
        assert Redemption.objects.filter(promotion=promo, status="redeemed").count() == 100
        assert sum(d.amount for d in OrderDiscount.objects.filter(promotion=promo)) == Decimal("3000.00")


def test_a_1000_yuan_budget_of_30_yuan_discounts_is_never_exceeded_by_a_fen(race_shop, django_db_blocker):
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        promo = promotion(budget_kind="money", budget_limit=Decimal("1000"))
        race_shop["promotions"].append(promo)
        buyers = carts_for(BUYERS, race_shop["offer"], race_shop["variant"])
        expected = checkout.plan_checkout(buyers[0][1]).payable
        assert expected == Decimal("169.00")

        placed, refused, errors = _race(buyers, expected, token="budget")

        assert not errors, errors[:3]
        budget = Budget.objects.get(promotion=promo, key="")
        assert len(placed) == 33 and budget.used == Decimal("990.00") <= budget.limit
        assert sum(o.discount_total for o in placed) == Decimal("990.00")
        # a loser sees the price worked out again: ¥10 left is not a ¥30 discount
        loser_cart = next(c for u, c in buyers if c.lines.exists())
        assert checkout.plan_checkout(loser_cart).payable == Decimal("199.00")
        # an order closing gives its ¥30 back, and the next buyer gets it
        discounts.release(placed[0])
        budget.refresh_from_db()
        assert budget.used == Decimal("960.00")
        assert checkout.plan_checkout(loser_cart).payable == Decimal("169.00")


def test_one_person_racing_from_ten_places_gets_a_once_per_person_promotion_once(race_shop, django_db_blocker):
    """Ten orders of one person (one ID hash) reserve at once, each in its own transaction."""
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        promo = promotion(per_person_limit=1)
        race_shop["promotions"].append(promo)

        def order(k: int) -> int:
            with transaction.atomic():
                applied = Applied(Promotion.objects.get(pk=promo.pk), None, "", Decimal("30"), {})
                reserve.reserve([applied], order_ref=f"beta:P{k}", user_id=k, person="id:same-person", city="")
            return k

        won, refusals, errors = _all_at_once(list(range(10)), order, PromotionUnavailable)
        lost = [e.code for e in refusals]
        assert not errors, errors
        assert len(won) == 1 and lost == ["per_person"] * 9
        assert PersonUse.objects.get(promotion=promo).used == 1
        reserve.release(f"beta:P{won[0]}")  # the order closed: the person may have it again
        assert PersonUse.objects.get(promotion=promo).used == 0


CRASHER = r"""
import os, sys, time
sys.path.insert(0, os.environ["HALL_PROJECT"])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
import django
django.setup()
from decimal import Decimal
from django.db import connection, transaction
from promotions import reserve
from promotions.models import Promotion
from promotions.pricing import Applied
connection.set_schema(os.environ["HALL_SCHEMA"])
promo = Promotion.objects.get(pk=int(os.environ["HALL_PROMOTION"]))
with transaction.atomic():
    applied = [Applied(promo, None, "", Decimal("30"), {})]
    reserve.reserve(applied, order_ref="beta:CRASH", user_id=1, person="", city="")
    print("reserved", flush=True)
    time.sleep(600)  # killed here, mid-transaction
"""


def test_a_checkout_killed_mid_transaction_leaves_nothing_reserved(race_shop, django_db_blocker):
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        promo = promotion(budget_kind="money", budget_limit=Decimal("1000"))
        race_shop["promotions"].append(promo)
        env = {
            **subprocess_env(),
            "HALL_PROJECT": str(PROJECT),
            "HALL_SCHEMA": SCHEMA,
            "HALL_PROMOTION": str(promo.pk),
        }
        child = subprocess.Popen([sys.executable, "-c", CRASHER], env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "reserved"

            def budget_row_locked() -> bool:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '50ms'")
                    try:
                        cursor.execute(
                            "SELECT 1 FROM promotions_budget WHERE promotion_id = %s FOR UPDATE NOWAIT", [promo.pk]
                        )
                        return False
                    except Exception:  # noqa: BLE001 — locked by the child
                        return True

            assert budget_row_locked()
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=30)
        connection.close()  # a fresh connection: nothing of this one's failed lock attempts lingers
        connection.set_schema(SCHEMA)
        wait_until(lambda: not _locked(promo.pk), what="the killed transaction's locks to go")
        assert Budget.objects.get(promotion=promo, key="").used == 0
        assert not Redemption.objects.filter(order_ref="beta:CRASH").exists()


def _locked(promotion_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'promotions_budget' AND l.pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_the_sweeper_releases_what_an_ended_order_still_holds(race_shop, django_db_blocker):
    """A reservation whose order ended without giving it back (a path that forgot, a crash between
    two systems) is released by the sweeper; one whose order was paid is redeemed."""
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        promo = promotion(budget_kind="uses", budget_limit=Decimal("10"))
        race_shop["promotions"].append(promo)
        buyers = carts_for(2, race_shop["offer"], race_shop["variant"])
        expected = checkout.plan_checkout(buyers[0][1]).payable
        ended, sold = (
            checkout.place_from_cart(u, c, DETAILS, token=uuid.uuid4().hex, expected_total=expected) for u, c in buyers
        )
        Order.objects.filter(pk=ended.pk).update(status="closed_unpaid")  # as if release had been skipped
        Order.objects.filter(pk=sold.pk).update(status="paid")
        assert Budget.objects.get(promotion=promo, key="").used == 2
        Redemption.objects.filter(promotion=promo).update(created_at=ended.created_at.replace(year=2020))

        outcome = discounts.sweep()

        assert outcome == {"released": 1, "redeemed": 1}
        assert Budget.objects.get(promotion=promo, key="").used == 1
        statuses = dict(Redemption.objects.filter(promotion=promo).values_list("order_ref", "status"))
        assert statuses == {discounts.ref(ended): "released", discounts.ref(sold): "redeemed"}
        assert discounts.sweep() == {"released": 0, "redeemed": 0}  # a second run finds nothing


def test_a_paused_promotion_is_refused_at_the_next_checkout(race_shop, django_db_blocker):
    with django_db_blocker.unblock(), schema_context(SCHEMA):
        promo = promotion()
        race_shop["promotions"].append(promo)
        (user, cart), *_ = carts_for(1, race_shop["offer"], race_shop["variant"])
        expected = checkout.plan_checkout(cart).payable
        assert expected == Decimal("169.00")
        # paused between cart and checkout, with no signal (so every cache still shows it live):
        # the reservation's own statement refuses it
        Promotion.objects.filter(pk=promo.pk).update(status="paused")
        with pytest.raises(checkout.PricesChanged) as refused:
            checkout.place_from_cart(user, cart, DETAILS, token=uuid.uuid4().hex, expected_total=expected)
        assert refused.value.code == "ended" and promo.name in str(refused.value)
        assert not Order.objects.filter(user=user).exists() and cart.lines.exists()
        fragments.bump(fragments.CATALOG)  # what services.pause does
        assert checkout.plan_checkout(cart).payable == Decimal("199.00")  # the price worked out again


def test_parallel_claims_never_exceed_a_batch_nor_give_one_account_two(race_shop, django_db_blocker):
    """200 accounts claim a batch of 100 at once, and one more account claims from ten tabs."""
    from promotions import services
    from tests.support.promotions import claimable

    with django_db_blocker.unblock(), schema_context(SCHEMA):
        promo = promotion(needs_coupon=True)
        race_shop["promotions"].append(promo)
        batch = claimable(promo, total=100, per_person=1)
        claimers = [u for u, _c in carts_for(200, race_shop["offer"], race_shop["variant"])]
        greedy = claimers[0]
        attempts = claimers + [greedy] * 10
        coupons, refusals, errors = _all_at_once(
            attempts, lambda user: services.claim(user, batch.pk), services.ClaimRefused
        )
        won = [c.user_id for c in coupons]
        refused = [e.code for e in refusals]
        assert not errors, errors[:3]
        batch.refresh_from_db()
        assert len(won) == batch.issued == batch.coupons.count() == 100
        assert len(set(won)) == 100  # nobody twice
        assert set(refused) <= {"all_claimed", "claimed"}
