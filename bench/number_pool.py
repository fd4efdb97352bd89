"""Number inventory benchmark: import N generated numbers (default 1,000,000), search latency
p50/p99 per query type over that pool, and a flash sale — many concurrent holders racing for 100
lucky numbers — against a raw `UPDATE … RETURNING` baseline in the same run, counting double holds.

Run with `./hallctl bench bench/number_pool.py` (throwaway PostgreSQL and Redis). BENCH_NUMBERS and
BENCH_HOLDERS change the pool size and the number of concurrent holders."""

import os
import statistics
import threading
import time

from _common import fresh_carrier, setup_django

setup_django()

from django.db import connection, connections
from django_tenants.utils import schema_context

from catalog.models import City
from demo.numbers import ensure_tier_rules
from numberpool import holds, search
from numberpool.importing import ImportReport, generated_rows, import_rows
from numberpool.models import MobileNumber, NumberSegment

POOL = int(os.environ.get("BENCH_NUMBERS", "1000000"))
HOLDERS = int(os.environ.get("BENCH_HOLDERS", "500"))
QUERIES = {
    "random pick (换一批)": lambda i: search.random_pick(seed=i),
    "tail 4 digits": lambda i: search.search(tail=f"{i % 10000:04d}"),
    "tail 2 digits": lambda i: search.search(tail=f"{i % 100:02d}"),
    "contains 4 digits": lambda i: search.search(contains=f"{(i * 37) % 10000:04d}"),
    "contains 3 digits": lambda i: search.search(contains=f"{(i * 7) % 1000:03d}"),
    "birthday MMDD": lambda i: search.search(birthday=f"{i % 12 + 1:02d}{i % 28 + 1:02d}"),
    "exclude 4": lambda i: search.search(exclude="4"),
    "tier 顺子号": lambda i: search.search(tier="顺子号"),
    "tail 8 + exclude 4": lambda i: search.search(tail=f"{(i * 7919) % 100000000:08d}", exclude="4"),
}


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def flash_sale(numbers, racers, raw):
    """Each racer tries every lucky number in its own order; returns (holds/s, successes)."""
    wins, lock = [], threading.Lock()
    barrier = threading.Barrier(racers)

    def racer(k):
        connections["default"].set_schema("c_benchnum")
        mine = numbers[k % len(numbers) :] + numbers[: k % len(numbers)]
        barrier.wait()
        for number in mine[:10]:
            if raw:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE catalog_mobilenumber SET status='held', hold_owner=%s, "
                        "held_until=now() + interval '15 minutes' WHERE number=%s AND "
                        "(status='available' OR (status='held' AND held_until < now())) RETURNING id",
                        [f"raw{k}", number],
                    )
                    won = cursor.fetchone() is not None
            else:
                try:
                    holds.hold(number, f"racer{k}", max_holds=100)
                    won = True
                except holds.NumberTaken:
                    won = False
            if won:
                with lock:
                    wins.append(number)
        connections["default"].close()

    threads = [threading.Thread(target=racer, args=(k,)) for k in range(racers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return racers * 10 / elapsed, wins


def main():
    carrier = fresh_carrier("benchnum")
    with schema_context(carrier.schema_name):
        NumberSegment.objects.create(prefix="177")
        City.objects.get_or_create(code="guangzhou", defaults={"name": "广州", "province": "广东"})
        ensure_tier_rules()
        report = ImportReport()
        started = time.perf_counter()
        import_rows(generated_rows(POOL, "177", seed=1), "guangzhou", report)
        seconds = time.perf_counter() - started
        print(f"import {report.added:,} generated numbers: {seconds:.1f} s ({report.added / seconds:,.0f} numbers/s)")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_mobilenumber")
        print("search latency over the pool (server side, 200 queries each):")
        for label, query in QUERIES.items():
            times = []
            for i in range(200):
                t = time.perf_counter()
                query(i)
                times.append((time.perf_counter() - t) * 1000)
            print(f"  {label:<22} p50 {statistics.median(times):6.2f} ms   p99 {percentile(times, 99):6.2f} ms")
        lucky = list(
            MobileNumber.objects.filter(tier__in=["钻石靓号", "顺子号", "金号"]).values_list("number", flat=True)[:100]
        )
        MobileNumber.objects.filter(number__in=lucky).update(status="available", hold_owner="", held_until=None)
    connection.set_schema_to_public()
    raw_rate, raw_wins = flash_sale(lucky, HOLDERS, raw=True)
    with schema_context(carrier.schema_name):
        MobileNumber.objects.filter(number__in=lucky).update(status="available", hold_owner="", held_until=None)
    connection.set_schema_to_public()
    rate, wins = flash_sale(lucky, HOLDERS, raw=False)
    doubles = len(wins) - len(set(wins))
    print(f"flash sale, {HOLDERS} concurrent holders on {len(lucky)} lucky numbers (10 attempts each):")
    print(
        f"  raw UPDATE … RETURNING baseline: {raw_rate:8.0f} attempts/s, {len(raw_wins)} holds, "
        f"{len(raw_wins) - len(set(raw_wins))} double"
    )
    print(
        f"  hold service:                    {rate:8.0f} attempts/s, {len(wins)} holds, {doubles} double "
        f"(ratio {rate / raw_rate:.2f})"
    )
    with schema_context(carrier.schema_name):
        assert len(set(wins)) == len(wins) <= len(lucky)
    carrier.delete(force_drop=True)


if __name__ == "__main__":
    main()
