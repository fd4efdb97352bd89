"""Many real parallel connections race for the same numbers: none is ever held or sold twice."""

import random
import threading

import pytest
from django.db import connections
from django_tenants.utils import schema_context

from catalog.models import City
from numberpool import holds
from numberpool.importing import ImportReport, import_rows
from numberpool.models import MobileNumber, NumberSegment

RACERS = 16
NUMBERS = [f"1810000{i:04d}" for i in range(1, 25)]


@pytest.fixture
def committed_numbers(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("c_beta"):
        NumberSegment.objects.get_or_create(prefix="181")
        city, created = City.objects.get_or_create(code="guangzhou", defaults={"name": "广州"})
        import_rows(((i, n, "") for i, n in enumerate(NUMBERS)), "guangzhou", ImportReport())
    yield NUMBERS
    with django_db_blocker.unblock(), schema_context("c_beta"):
        MobileNumber.objects.filter(number__in=NUMBERS).delete()
        if created:
            city.delete()


def _race(action):
    wins, errors, lock = [], [], threading.Lock()
    barrier = threading.Barrier(RACERS)

    def racer(k):
        try:
            connections["default"].set_schema("c_beta")
            order = NUMBERS[:]
            random.Random(k).shuffle(order)
            barrier.wait()
            for number in order:
                if action(number, f"cart:racer{k}"):
                    with lock:
                        wins.append((number, f"cart:racer{k}"))
        except Exception as exc:  # surfaced below: a racer must not die silently
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=racer, args=(k,)) for k in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return wins


def _try_hold(number, owner):
    try:
        holds.hold(number, owner, max_holds=len(NUMBERS))
        return True
    except holds.NumberTaken:
        return False


def test_parallel_holds_and_sales_never_double(committed_numbers, django_db_blocker):
    with django_db_blocker.unblock():
        held = _race(_try_hold)
        numbers_won = [n for n, _owner in held]
        assert sorted(numbers_won) == sorted(NUMBERS)  # every number held exactly once
        with schema_context("c_beta"):
            in_db = dict(MobileNumber.objects.filter(number__in=NUMBERS).values_list("number", "hold_owner"))
        assert in_db == dict(held)
        # Everyone now tries to sell every number: only each holder can, exactly once.
        sold = _race(holds.sell)
        assert sorted(sold) == sorted(held)
        with schema_context("c_beta"):
            assert set(MobileNumber.objects.filter(number__in=NUMBERS).values_list("status", flat=True)) == {"sold"}
