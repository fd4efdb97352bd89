"""The pipeline survives what production throws at it, with real workers and real Redis:
- workers SIGKILLed again and again mid-step: every order still completes, once, and every
  gateway effect is applied once;
- Redis stopped during checkout and started again (its queues lost): no order is lost, the
  sweeper sends them on."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from tests.support.clients import PROJECT, in_own_connection, subprocess_env, wait_until

pytestmark = pytest.mark.django_db  # (the database is set up; orders are made and committed in threads)

GATEWAYS = {
    "bss": {"latency_ms": [40, 160]},
    "sms": {"latency_ms": [0, 0]},
    "payment": {"latency_ms": [0, 0]},
    "logistics": {"latency_ms": [20, 80], "step_seconds": [0, 0]},
    "realname": {"latency_ms": [0, 0], "decision_delay": [0, 0]},
}


@pytest.fixture(scope="module")
def sigma(django_db_setup, django_db_blocker):
    """A carrier of its own (no group), with quick simulators, a catalogue and a number pool."""
    from demo.catalog import seed_catalogue
    from demo.numbers import seed_pool
    from tenants.models import Carrier
    from tenants.services import CarrierSpec, create_carrier

    def make():
        carrier = Carrier.objects.filter(slug="sigma").first() or create_carrier(
            CarrierSpec(slug="sigma", name="西格玛通信", admin_password="Staff-pass-2026")
        )
        carrier.gateways = GATEWAYS
        carrier.save(update_fields=["gateways"])
        with tenant_context(carrier):
            seed_catalogue([("guangzhou", "广州", "广东")])
            seed_pool(["180"], ["guangzhou"], per_city=400, seed=99)
        return carrier

    with django_db_blocker.unblock():
        return in_own_connection(make)


def paid_sim_orders(carrier, count: int) -> list[int]:
    """Committed, verified, paid SIM orders (each holder a different person)."""
    from orders.checkout import services as checkout
    from orders.checkout.form import CheckoutDetails
    from orders.fulfilment import verification as verifying
    from orders.models import Order
    from orders.payments.services import confirm_paid, start_payment
    from tests.support.identities import portrait_png, valid_id
    from tests.support.orders import DETAILS, place_agreed, sim_cart, subscriber

    def make():
        ids = []
        with tenant_context(carrier):
            for _ in range(count):
                user = subscriber()
                cart, _number = sim_cart(user)
                person = valid_id(f"440106199001{uuid.uuid4().int % 10**5:05d}")
                details = CheckoutDetails(**{**DETAILS.__dict__, "holder_id_number": person})
                order = place_agreed(
                    user, cart, details, token=uuid.uuid4().hex, expected_total=checkout.plan_checkout(cart).payable
                )
                verification = verifying.submit(order.verification, portrait_png(), {"method": "camera"})
                verifying.send_to_provider(verification.pk)
                verifying.poll(verification.pk)
                start_payment(order, notify_url="http://sigma.localhost/n/", return_url="http://sigma.localhost/r/")
                confirm_paid(Order.objects.get(pk=order.pk).payments.get().pk, "T" + uuid.uuid4().hex[:10], "query")
                ids.append(order.pk)
        return ids

    return in_own_connection(make)


class Worker:
    """A Celery worker we may kill: its own process group, so SIGKILL takes the children too."""

    def __init__(self, broker: str = ""):
        self.log = open(Path(tempfile.mkdtemp()) / "worker.log", "w+")  # noqa: SIM115
        self.process = None
        self.env = dict(subprocess_env(), **({"REDIS_URL": broker} if broker else {}))

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hall",
                "worker",
                "-l",
                "warning",
                "-c",
                "2",
                "-n",
                f"resilience-{uuid.uuid4().hex[:6]}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=PROJECT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def _states(carrier, ids):
    from orders.models import Order

    def read():
        with tenant_context(carrier):
            return dict(Order.objects.filter(pk__in=ids).values_list("pk", "status"))

    return in_own_connection(read)


def _sweep(carrier):
    from orders.fulfilment import sweep_stuck

    def run():
        with tenant_context(carrier):
            return sweep_stuck(timedelta(seconds=3))

    return in_own_connection(run)


def _effects(carrier, ids):
    """What the carrier's systems saw, per order."""
    from decimal import Decimal

    from orders.models import Order
    from tenants.simulators.models import SimShipment, SimSms, SimSubscriber

    def read():
        with tenant_context(carrier):
            rows = []
            for order in Order.objects.filter(pk__in=ids):
                number = order.lines.get(category="number_fee").number
                credit = Decimal(str(order.lines.get(offer_kind="sim").offer.attributes.get("prepaid_credit") or 0))
                subscriber = SimSubscriber.objects.get(number=number)
                rows.append(
                    {
                        "status": order.status,
                        "active": subscriber.status == "active",
                        "balance_is_one_top_up": subscriber.balance == credit,
                        "shipments": SimShipment.objects.filter(key__startswith=f"{order.number}:").count(),
                        "activated_texts": SimSms.objects.filter(key=f"notify:{order.number}:activated::").count(),
                        "steps": order.steps.filter(status="done").count(),
                    }
                )
            return rows

    return in_own_connection(read)


def test_killing_workers_mid_step_never_loses_or_doubles_anything(sigma, own_broker, django_db_blocker):
    worker = Worker(broker=own_broker.url)  # alone on its broker: no other worker takes the orders
    with django_db_blocker.unblock():
        try:
            ids = paid_sim_orders(sigma, 8)  # queued before any worker runs: there is work to kill
            worker.start()
            deadline = time.monotonic() + 150
            kills = 0
            while time.monotonic() < deadline:
                time.sleep(2.5 if kills == 0 else 0.6 + (kills % 3) * 0.4)  # the first: once it is running
                if set(_states(sigma, ids).values()) == {"completed"}:
                    break
                if kills < 8:
                    worker.kill()  # mid-step: BSS calls take 40-160 ms each
                    kills += 1
                    worker.start()
                _sweep(sigma)  # what beat does every two minutes
            else:
                worker.log.seek(0)
                raise AssertionError(f"not all completed: {_states(sigma, ids)}\n{worker.log.read()[-3000:]}")
            assert kills >= 3
            for row in _effects(sigma, ids):
                assert row == {
                    "status": "completed",
                    "active": True,
                    "balance_is_one_top_up": True,
                    "shipments": 1,
                    "activated_texts": 1,
                    "steps": 6,
                }, row
        finally:
            worker.stop()


@pytest.fixture
def own_broker():
    """A Redis of this test's own as the broker of this process and of the test's worker, so it
    can be stopped and started empty (its queues lost, as after a crash) without disturbing the
    rest of the suite."""
    from devstack.redis import EmbeddedRedis, free_port
    from hall.celery import app

    port = free_port()
    previous = app.conf.broker_url

    def use(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    class Broker:
        url = f"redis://127.0.0.1:{port}/0"
        server = None

        def start(self):
            self.server = EmbeddedRedis(Path(tempfile.mkdtemp()), port, persistent=False)
            self.server.start()

        def stop(self):
            self.server.stop()
            wait_until(lambda: not self.server.answering(), what="Redis to stop")

    broker = Broker()
    broker.start()
    use(broker.url)
    yield broker
    use(previous)
    if broker.server is not None:
        broker.server.stop()


def test_redis_down_during_checkout_loses_no_order(sigma, own_broker, django_db_blocker):
    worker = Worker(broker=own_broker.url)
    with django_db_blocker.unblock():
        try:
            worker.start()
            own_broker.stop()
            ids = paid_sim_orders(sigma, 3)  # paid while the broker is down: their messages never left
            assert set(_states(sigma, ids).values()) == {"paid"}
            own_broker.start()
            wait_until(
                lambda: _sweep(sigma) is not None and set(_states(sigma, ids).values()) == {"completed"},
                timeout=120,
                interval=4,
                what="the sweeper and the worker to finish the orders",
            )
            for row in _effects(sigma, ids):
                assert row["shipments"] == 1 and row["balance_is_one_top_up"] and row["active"], row
        finally:
            worker.stop()
