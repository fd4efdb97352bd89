"""Fulfilment benchmark: N paid, verified SIM orders (default 10,000) through the whole pipeline
(occupy, open, ship, delivery, activation with first top-up) by a real Celery worker on Redis,
with zero-latency simulators. Prints orders/s end to end against the same worker's throughput of
no-op tasks measured in the same run, and the per-step ratio (steps × orders/s ÷ no-op tasks/s:
how close a pipeline step comes to a bare task); SQL statements, gateway calls and tasks per
order, counted in the worker's processes while the orders ran (bench/_counted_worker.py says how:
every statement PostgreSQL receives, SET search_path, BEGIN/COMMIT and SAVEPOINT included);
p50/p99 from paid to activated, and the count of duplicate effects at the carrier's systems (must be 0).

Run with `./hallctl bench bench/fulfilment.py`. BENCH_ORDERS sets N, BENCH_CONCURRENCY the
worker's processes (default 2, the machine's cores)."""

import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

from _common import children_rss, fresh_carrier, rss_mb, setup_django

setup_django()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "10000"))
CONCURRENCY = os.environ.get("BENCH_CONCURRENCY", "2")
NOOPS = 2000
ZERO = {"latency_ms": [0, 0]}
PROJECT = Path(__file__).resolve().parents[1]


def paid_orders(count: int) -> list[int]:
    """Paid SIM orders as checkout leaves them, written in bulk (checkout is not what is measured)."""
    from django.contrib.auth import get_user_model

    from catalog.models import Offer
    from numberpool.models import MobileNumber
    from orders.models import Order, OrderLine, Verification
    from realname.models import Identity

    sim = Offer.objects.filter(kind="sim").order_by("pk").first()
    user = get_user_model().objects.create_user(f"bench{uuid.uuid4().hex[:6]}", password="Bench-pass-2026")
    identity = Identity.seal("张三", "11010519491231002X")
    identity.save()
    numbers = list(MobileNumber.objects.filter(status="available").values_list("number", flat=True)[:count])
    now = timezone.now()
    orders = Order.objects.bulk_create(
        [
            Order(
                number=f"B{i:09d}",
                user=user,
                kind="new_sim",
                status="paid",
                idempotency_key=f"bench:{i}",
                payable=sim.sale_price,
                goods_total=sim.sale_price,
                paid_at=now,
                identity=identity,
                recipient="张三",
                contact_phone="13800138000",
                province="广东省",
                city="广州市",
                district="天河区",
                address_detail="天河路 1 号",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    lines = []
    for order, number in zip(orders, numbers, strict=True):
        lines.append(
            OrderLine(
                order=order,
                offer=sim,
                offer_kind="sim",
                name=sim.name,
                number=number,
                unit_price=sim.sale_price,
                unit_list_price=sim.list_price,
            )
        )
        lines.append(
            OrderLine(
                order=order,
                category="number_fee",
                offer_kind="number",
                name=number,
                number=number,
                unit_price=Decimal("0"),
                unit_list_price=Decimal("0"),
            )
        )
    OrderLine.objects.bulk_create(lines, batch_size=4000)
    Verification.objects.bulk_create(
        [Verification(order=o, identity=identity, status="passed") for o in orders], batch_size=4000
    )
    for order, number in zip(orders, numbers, strict=True):
        MobileNumber.objects.filter(number=number).update(status="sold", hold_owner=f"order:{order.pk}")
    return [o.pk for o in orders]


def start_worker(counts_key: str) -> subprocess.Popen:
    env = dict(os.environ, HALL_TRACKING_POLL_SECONDS="0", BENCH_COUNTS_KEY=counts_key)
    return subprocess.Popen(
        [
            sys.executable,
            str(PROJECT / "bench" / "_counted_worker.py"),
            "-A",
            "hall",
            "worker",
            "-l",
            "error",
            "-c",
            CONCURRENCY,
            "-n",
            f"bench-{uuid.uuid4().hex[:6]}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def noop_throughput(schema: str) -> float:
    from operators.tasks import noop

    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"bench:noop:{uuid.uuid4().hex}"
    started = time.perf_counter()
    for _ in range(NOOPS):
        noop.apply_async((key,), headers={"_schema_name": schema})
    while int(client.get(key) or 0) < NOOPS:
        time.sleep(0.05)
    return NOOPS / (time.perf_counter() - started)


def worker_counts(key: str) -> Counter:
    """What the worker's processes have counted so far (they report five times a second)."""
    time.sleep(0.6)
    client = redis.Redis.from_url(settings.REDIS_URL)
    return Counter({field.decode(): int(n) for field, n in client.hgetall(key).items()})


def main():
    from demo.catalog import seed_catalogue
    from demo.numbers import seed_pool
    from orders.fulfilment import PIPELINES
    from orders.models import Order, OrderEvent
    from orders.tasks import run_fulfilment
    from tenants.simulators.models import SimShipment, SimSubscriber

    carrier = fresh_carrier("benchful")
    carrier.gateways = {
        "bss": ZERO,
        "sms": ZERO,
        "payment": ZERO,
        "logistics": {**ZERO, "step_seconds": [0, 0]},
        "realname": {**ZERO, "decision_delay": [0, 0]},
    }
    carrier.save(update_fields=["gateways"])
    with tenant_context(carrier):
        seed_catalogue([("guangzhou", "广州", "广东")])
        seed_pool(["180"], ["guangzhou"], per_city=ORDERS + 200, seed=5)
        ids = paid_orders(ORDERS)
    counts_key = f"bench:counts:{uuid.uuid4().hex}"
    worker = start_worker(counts_key)
    try:
        time.sleep(5)  # the worker's processes start
        before_noops = worker_counts(counts_key)
        baseline = noop_throughput(carrier.schema_name)
        warm_rss = (rss_mb(worker.pid), children_rss(worker.pid))
        before_orders = worker_counts(counts_key)
        started, queued_at = time.perf_counter(), timezone.now()
        for order_id in ids:
            run_fulfilment.apply_async((order_id,), headers={"_schema_name": carrier.schema_name})
        with tenant_context(carrier):
            while True:
                done = Order.objects.filter(pk__in=ids, status="completed").count()
                if done == len(ids) or time.perf_counter() - started > 3600:
                    break
                time.sleep(1)
            elapsed = time.perf_counter() - started
            loaded_rss = (rss_mb(worker.pid), children_rss(worker.pid))
            spent = worker_counts(counts_key) - before_orders
            noop_spent = before_orders - before_noops
            orders = {o.pk: o for o in Order.objects.filter(pk__in=ids)}
            activated = dict(
                OrderEvent.objects.filter(order_id__in=ids, action="activate").values_list("order_id", "at")
            )
            latencies = sorted((activated[pk] - queued_at).total_seconds() for pk in activated)
            numbers = {
                o.pk: o.lines.filter(category="number_fee").values_list("number", flat=True)[0] for o in orders.values()
            }
            subscribers = dict(
                SimSubscriber.objects.filter(number__in=numbers.values()).values_list("number", "balance")
            )
            credit = Decimal(
                str(orders[ids[0]].lines.get(offer_kind="sim").offer.attributes.get("prepaid_credit") or 0)
            )
            shipments = SimShipment.objects.filter(key__startswith="B").count()
            duplicates = sum(1 for n in numbers.values() if subscribers.get(n) not in (credit,)) + max(
                0, shipments - len(ids)
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        connection.close()
    rate = done / elapsed
    steps = len(PIPELINES["new_sim"])
    tasks = sum(n for field, n in spent.items() if field.startswith("tasks:"))
    print(f"{done} of {ORDERS} SIM orders paid → activated in {elapsed:.1f} s by one worker ({CONCURRENCY} processes)")
    print(
        f"  end to end: {rate:.1f} orders/s; no-op task baseline {baseline:.0f} tasks/s (ratio per order "
        f"{rate / baseline:.3f}; per step, {steps} steps × orders/s ÷ no-op tasks/s: {steps * rate / baseline:.2f})"
    )
    print(
        f"  per order: {spent['statements'] / done:.1f} SQL statements, {spent['gateway_calls'] / done:.1f} gateway "
        f"calls, {tasks / done:.2f} tasks (a no-op task: {noop_spent['statements'] / NOOPS:.1f} statements)"
    )
    if latencies:
        p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
        print(
            f"  queued → activated: p50 {statistics.median(latencies):.1f} s, p99 {p99:.1f} s "
            "(all N queued at once, so this is mostly the backlog)"
        )
    print(f"  duplicate effects at the carrier's systems: {duplicates} (shipments {shipments} for {len(ids)} orders)")
    for label, (main_mb, pool) in (("after warm-up", warm_rss), ("after the orders", loaded_rss)):
        print(f"  worker RSS {label}: main {main_mb:.0f} MB, pool {', '.join(f'{r:.0f}' for r in pool)} MB")


if __name__ == "__main__":
    main()
