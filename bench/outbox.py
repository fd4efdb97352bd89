"""Outbox benchmark: events/s from N committed events (default 2,000, four per order) until a local
receiver (its own process) has all of them, signed, with M deliverers (default 4): M threads of
`integrations.delivery.deliver_due` in this process, and a real Celery worker with M processes
(`integrations.tasks.deliver`); against the baseline of M threads POSTing the same bodies to the
same receiver with `requests` and nothing else, measured in the same run. The difference is what
a delivery costs beyond its POST: picking it (SELECT … FOR UPDATE SKIP LOCKED, in order per
resource), signing, the attempt log and the delivery's row.

Run with `./hallctl bench bench/outbox.py`. BENCH_EVENTS sets N, BENCH_DELIVERERS M."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from _common import fresh_carrier, setup_django

setup_django()

import requests  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from devstack.redis import free_port  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "2000"))
DELIVERERS = int(os.environ.get("BENCH_DELIVERERS", "4"))
PER_ORDER = 4
PROJECT = Path(__file__).resolve().parents[1]


def received(port: int) -> int:
    return int(requests.get(f"http://127.0.0.1:{port}/", timeout=5).text)


def wait_for(port: int, target: int, started: float, limit: float = 600) -> float:
    while received(port) < target:
        if time.perf_counter() - started > limit:
            raise SystemExit(f"only {received(port)} of {target} arrived in {limit:.0f} s")
        time.sleep(0.02)
    return time.perf_counter() - started


def make_events(schema: str, url: str) -> list[int]:
    """A webhook and N committed events (no task sent: the deliverers are started by the bench)."""
    from integrations import outbox
    from integrations.hub_api import new_secret
    from integrations.models import OutboxEvent, Subscription
    from orders.models import Order

    outbox.send_on_commit = lambda *args, **kwargs: None  # type: ignore[assignment]
    with schema_context(schema):
        Subscription.objects.create(kind="webhook", callback=url, query="order.state_changed", secret=new_secret())
        user = get_user_model().objects.create_user(f"bench{uuid.uuid4().hex[:6]}")
        orders = Order.objects.bulk_create(
            [
                Order(number=f"B{i:09d}", user=user, kind="device", status="in_fulfilment", idempotency_key=f"b:{i}")
                for i in range(EVENTS // PER_ORDER)
            ]
        )
        for order in orders:
            with transaction.atomic():
                for _ in range(PER_ORDER):
                    outbox.emit("order.state_changed", "order", order.pk, order)
        return list(OutboxEvent.objects.values_list("pk", flat=True))


def reset(schema: str) -> None:
    from integrations.models import Delivery, DeliveryAttempt

    with schema_context(schema):
        DeliveryAttempt.objects.all().delete()
        Delivery.objects.update(status="pending", attempts=0, delivered_at=None, next_attempt_at="2000-01-01T00:00Z")


def bodies(schema: str) -> list[tuple[bytes, dict]]:
    from integrations.delivery import request_for
    from integrations.models import Delivery

    with schema_context(schema):
        return [request_for(d) for d in Delivery.objects.select_related("event", "subscription").order_by("pk")]


def in_threads(work) -> None:
    def run():
        try:
            work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(DELIVERERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def raw_posts(port: int, requests_to_send: list[tuple[bytes, dict]]) -> float:
    todo = list(requests_to_send)
    lock = threading.Lock()
    before = received(port)
    started = time.perf_counter()

    def post():
        session = requests.Session()
        while True:
            with lock:
                if not todo:
                    return
                body, headers = todo.pop()
            session.post(f"http://127.0.0.1:{port}/hook", data=body, headers=headers, timeout=5).close()

    in_threads(post)
    return len(requests_to_send) / wait_for(port, before + len(requests_to_send), started)


def outbox_threads(schema: str, port: int) -> float:
    from integrations.delivery import deliver_due

    before = received(port)
    started = time.perf_counter()

    def deliver():
        with schema_context(schema):
            deliver_due(budget_seconds=3600)

    in_threads(deliver)
    return EVENTS / wait_for(port, before + EVENTS, started)


def outbox_celery(schema: str, port: int) -> float:
    from integrations.tasks import deliver

    queue = f"bench-outbox-{uuid.uuid4().hex[:6]}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hall", "worker", "-l", "error", "-c", str(DELIVERERS), "-Q", queue,
         "-n", f"{queue}@%h", "--without-mingle", "--without-gossip"],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(6)  # the worker's processes start
        before = received(port)
        started = time.perf_counter()
        for _ in range(DELIVERERS):
            deliver.apply_async(queue=queue, headers={"_schema_name": schema})
        return EVENTS / wait_for(port, before + EVENTS, started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main():
    from integrations.models import Delivery

    carrier = fresh_carrier("benchoutbox")
    port = free_port()
    receiver = subprocess.Popen([sys.executable, str(PROJECT / "bench" / "_receiver.py"), str(port)])
    try:
        time.sleep(0.5)
        make_events(carrier.schema_name, f"http://127.0.0.1:{port}/hook")
        signed = bodies(carrier.schema_name)
        raw_posts(port, signed[:200])  # warm-up of both sides
        rounds = []
        for _ in range(2):  # interleaved: baseline, threads, baseline, worker
            base = raw_posts(port, signed)
            reset(carrier.schema_name)
            threads = outbox_threads(carrier.schema_name, port)
            rounds.append((base, threads))
        base_w = raw_posts(port, signed)
        reset(carrier.schema_name)
        celery = outbox_celery(carrier.schema_name, port)
        with schema_context(carrier.schema_name):
            assert Delivery.objects.exclude(status="delivered").count() == 0
    finally:
        receiver.terminate()
    base = max(b for b, _t in rounds)
    threads = max(t for _b, t in rounds)
    print(f"{EVENTS} committed events ({PER_ORDER} per order, in order per order), {DELIVERERS} deliverers each side")
    print("| measured | events/s | raw POSTs/s | ratio |")
    print(f"| outbox, {DELIVERERS} threads (deliver_due) | {threads:.0f} | {base:.0f} | **{threads / base:.2f}** |")
    print(f"| outbox, Celery worker -c {DELIVERERS} | {celery:.0f} | {base_w:.0f} | **{celery / base_w:.2f}** |")


if __name__ == "__main__":
    main()
