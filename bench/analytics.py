"""Analytics benchmark: page requests/s with capture on and off in the same run (the overhead
target is ≤ 5 %), and the daily aggregation of 1,000,000 events (BENCH_EVENTS) in seconds.

Run with `./hallctl bench bench/analytics.py`."""

import datetime as dt
import io
import os
import random
import statistics
import time

from _common import fresh_carrier, requests_per_second, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
PAGES = [
    ("home", ""),
    ("catalogue", ""),
    ("category", "plans"),
    ("offer", "plan-1"),
    ("offer", "sim-1"),
    ("numbers", ""),
    ("cart", ""),
    ("checkout", ""),
    ("landing", "spring"),
]


def capture_overhead(host: str) -> None:
    from analytics import capture

    client = Client(HTTP_HOST=host, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    results = {"off": [], "on": []}
    for _round in range(5):  # alternate, so drift of the machine hits both alike
        for state in ("off", "on"):
            with override_settings(HALL_ANALYTICS=state == "on"):
                results[state].append(requests_per_second(client, "/offers/plan-1/", seconds=3.0))
    off, on = statistics.median(results["off"]), statistics.median(results["on"])
    print(f"offer page, capture off: {off:.1f} req/s; on: {on:.1f} req/s; overhead {(1 - on / off) * 100:+.1f} %")
    capture.buffer().delete(capture.key("c_benchana"))


def synthetic_day(day: dt.date, count: int) -> None:
    """`count` events of one day in the table (COPY): visitors with sessions of 1-12 views."""
    rng = random.Random(7)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    buffer, written, visitor = io.StringIO(), 0, 0
    while written < count:
        visitor += 1
        at = start + dt.timedelta(seconds=rng.randrange(0, 80000))
        for _view in range(min(rng.randint(1, 12), count - written)):
            page_type, page_id = rng.choice(PAGES)
            name = "view" if rng.random() < 0.85 else rng.choice(["add_to_cart", "checkout_started", "order_placed"])
            buffer.write(f"{at.isoformat()}\tv{visitor:08d}\t{name}\t{page_type}\t{page_id}\t\\N\t\tplan\tmobile\t\n")
            at += dt.timedelta(seconds=rng.randrange(5, 2400))
            written += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_from(
            buffer,
            "hall_analyticsevent",
            columns=(
                "at",
                "visitor",
                "name",
                "page_type",
                "page_id",
                "page_version",
                "block_id",
                "offer_kind",
                "device",
                "referrer",
            ),
        )


def main():
    from analytics.aggregate import aggregate_day
    from demo.catalog import seed_catalogue

    carrier = fresh_carrier("benchana")
    with tenant_context(carrier):
        seed_catalogue([("guangzhou", "广州", "广东")])
    capture_overhead("benchana.localhost")
    with tenant_context(carrier):
        day = timezone.localdate() - dt.timedelta(days=1)
        started = time.perf_counter()
        synthetic_day(day, EVENTS)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        result = aggregate_day(day)
        first = time.perf_counter() - started
        started = time.perf_counter()
        aggregate_day(day)
        again = time.perf_counter() - started
    print(
        f"aggregate {result['events']:,} events ({result['sessions']:,} sessions, {result['pages']} pages) "
        f"of one day: {first:.1f} s; again (idempotent rerun) {again:.1f} s; loading them took {loaded:.1f} s"
    )


if __name__ == "__main__":
    main()
