"""Beyond one machine: two web servers (real gunicorn, two workers each) and two Celery workers
on one database and one Redis, as `docker compose up --scale web=2 --scale worker=2` runs them,
share everything a visitor or an order relies on: a session made on A is read on B, a rate
limit counts across both, a carrier disabled through one is gone on both at once (the host cache
is shared), a page view served by A is on the dashboard served by B at once (no per-process
analytics buffer), an order paid through one web is fulfilled exactly once by the two workers
(however often it is sent), and two beats send each periodic job once."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.support.clients import PROJECT, STAFF_PASSWORD, in_own_connection, wait_until
from tests.support.live_server import database_env, gunicorn, stop

SEARCHES_PER_MINUTE = 3
pytestmark = pytest.mark.usefixtures("db")


class Browser:
    """One visitor: its own cookies, the Host it asks for, any server port (no redirects followed)."""

    def __init__(self, host: str, **cookies: str):
        self.host, self.cookies = host, dict(cookies)

    def request(self, port: int, method: str, path: str, form: dict | None = None) -> tuple[int, str, dict]:
        from urllib.parse import urlencode

        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, text, dict(response.getheaders())
        finally:
            conn.close()

    def get(self, port: int, path: str) -> int:
        return self.request(port, "GET", path)[0]

    def sign_in(self, port: int, username: str, password: str) -> bool:
        _status, page, _h = self.request(port, "GET", "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _page, headers = self.request(
            port,
            "POST",
            "/admin/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"},
        )
        return status == 302 and headers.get("Location") == "/admin/"

    def csrf(self, port: int, path: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.request(port, "GET", path)[1]).group(1)


def _worker(env: dict, name: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hall", "worker", "-l", "info", "-c", "1", "-n", name]
        + ["--without-mingle", "--without-gossip"],
        cwd=PROJECT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


BEAT = """
import django, sys
django.setup()
from hall.celery import app
app.conf.beat_schedule  # loads the settings first, so the schedule below replaces theirs
app.conf.beat_schedule = {"scaling-probe": {"task": "operators.tasks.noop", "schedule": 1.0,
                                            "kwargs": {"counter_key": sys.argv[1]}}}
app.Beat(schedule=sys.argv[2], loglevel="INFO").run()
"""


@pytest.fixture(scope="module")
def stack(django_db_setup):
    """Two gunicorns and two Celery workers (their names) on the test database and Redis."""
    from hall.celery import app

    env = database_env(
        HALL_TENANT_CACHE_SECONDS="30",  # long, so only a shared cache can make a change seen at once
        HALL_NUMBER_SEARCHES_PER_MINUTE=str(SEARCHES_PER_MINUTE),
    )
    logs = Path(tempfile.mkdtemp())
    tag = uuid.uuid4().hex[:6]
    names = [f"scale-{tag}-{i}@%h" for i in (1, 2)]
    started = time.monotonic()
    workers = [_worker(env, name, logs / f"worker{i}.log") for i, name in enumerate(names, 1)]
    # Two beats on a one-second probe job (the test of beat reads their logs; see BEAT).
    counter = f"hall:test:beat-probe:{tag}"
    beat_logs = [logs / f"beat{i}.log" for i in (1, 2)]
    beats = [
        subprocess.Popen(
            [sys.executable, "-c", BEAT, counter, str(logs / f"schedule{i}")],
            cwd=PROJECT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for i, log in enumerate(beat_logs, 1)
    ]
    try:
        with gunicorn(env) as web_a, gunicorn(env) as web_b:
            nodes = {name.replace("%h", socket.gethostname()) for name in names}

            def both_up():
                for proc in workers:
                    assert proc.poll() is None, "a worker died:\n" + "".join(
                        p.read_text()[-2000:] for p in logs.iterdir()
                    )
                return nodes <= {next(iter(r)) for r in app.control.ping(destination=list(nodes), timeout=0.5)}

            wait_until(both_up, timeout=60, what="two Celery workers")
            yield {
                "a": web_a.port,
                "b": web_b.port,
                "beats": beats,
                "beat_logs": beat_logs,
                "counter": counter,
                "started": started,
            }
    finally:
        for proc in workers + beats:  # all stop at the same time
            proc.terminate()
        for proc in workers + beats:
            stop(proc)


def test_a_session_made_on_one_web_is_read_on_the_other_and_a_change_through_one_is_seen_by_both(stack):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from tenants.models import Carrier

    a, b = stack["a"], stack["b"]
    operator, password = f"ops-scale-{uuid.uuid4().hex[:6]}", "Ops-scale-2026-x"
    in_own_connection(lambda: get_user_model().objects.create_superuser(operator, password=password))
    beta = in_own_connection(lambda: Carrier.objects.get(slug="beta").pk)
    shopper = Browser("beta.localhost")
    try:
        platform = Browser("localhost")
        assert platform.sign_in(a, operator, password)  # the session is made on A...
        assert platform.get(b, "/admin/") == 200  # ...and B knows it (sessions in PostgreSQL)
        for _round in range(4):  # every gunicorn worker of both webs remembers beta's host
            assert shopper.get(a, "/") == 200 and shopper.get(b, "/") == 200

        token = platform.csrf(b, "/admin/tenants/carrier/")
        form = {"csrfmiddlewaretoken": token, "action": "disable", "_selected_action": str(beta)}
        assert platform.request(b, "POST", "/admin/tenants/carrier/", form)[0] == 302  # disabled through B
        for _round in range(4):  # gone at once on both, though their host cache holds for 30 s
            assert shopper.get(a, "/") == 404 and shopper.get(b, "/") == 404

        token = platform.csrf(a, "/admin/tenants/carrier/")
        form = {"csrfmiddlewaretoken": token, "action": "enable", "_selected_action": str(beta)}
        assert platform.request(a, "POST", "/admin/tenants/carrier/", form)[0] == 302  # enabled through A
        for _round in range(4):
            assert shopper.get(a, "/") == 200 and shopper.get(b, "/") == 200
    finally:

        def tidy():
            from tenants.middleware import forget_hosts

            Carrier.objects.filter(pk=beta).update(status=Carrier.Status.ACTIVE)
            forget_hosts()
            # (a public-schema user: the ORM's cascade would look for tenant-only tables)
            with connection.cursor() as cursor:
                for table in ("django_admin_log", "auth_user_groups", "auth_user_user_permissions"):
                    cursor.execute(
                        f"DELETE FROM {table} WHERE user_id IN (SELECT id FROM auth_user WHERE username = %s)",
                        [operator],
                    )
                cursor.execute("DELETE FROM auth_user WHERE username = %s", [operator])

        in_own_connection(tidy)


def test_a_rate_limit_counts_requests_to_both_webs(stack):
    a, b = stack["a"], stack["b"]
    if time.time() % 60 > 50:  # a fixed one-minute window: do not straddle its end
        time.sleep(61 - time.time() % 60)
    visitor = Browser("alpha.localhost")
    answers = [visitor.get(port, "/numbers/") for port in (a, b, a, b, a)]
    assert answers == [200] * SEARCHES_PER_MINUTE + [429, 429]  # 3 a minute in all, not 3 per web


def test_a_view_served_by_one_web_is_on_the_dashboard_of_the_other_at_once(stack):
    from analytics.models import AnalyticsEvent

    a, b = stack["a"], stack["b"]
    staff = Browser("alpha.localhost")
    assert staff.sign_in(b, "admin", STAFF_PASSWORD)

    def views_of_plan_1():
        """Today's page views on B's dashboard (the figures by day: not a top-ten list, which the
        suite's other committed views could push plan-1 out of)."""
        page = staff.request(b, "GET", "/admin/dashboard/")[1]
        table = page[page.index('data-testid="trend-table"') :]
        rows = re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td><td>\d+</td><td>[^<]*</td><td>(\d+)</td></tr>", table)
        return int(rows[-1])

    visitor_id = uuid.uuid4().hex
    try:
        before = views_of_plan_1()
        visitor = Browser("alpha.localhost", hall_vid=visitor_id)
        assert visitor.get(a, "/offers/plan-1/") == 200 and visitor.get(a, "/offers/plan-1/") == 200
        assert views_of_plan_1() == before + 2  # no beat flush, no waiting: nothing held back in A
    finally:
        in_own_connection(lambda: _in_alpha(lambda: AnalyticsEvent.objects.filter(visitor=visitor_id).delete()))


def _in_alpha(work):
    from django.db import connection

    from tenants.models import Carrier

    connection.set_tenant(Carrier.objects.get(slug="alpha"))
    try:
        return work()
    finally:
        connection.set_schema_to_public()


def test_an_order_paid_through_one_web_is_fulfilled_once_by_the_two_workers(stack):
    from decimal import Decimal

    from orders.checkout import services as checkout
    from orders.models import FulfilmentStep, Order, OrderEvent, Payment
    from orders.tasks import run_fulfilment
    from tenants.models import Carrier
    from tenants.simulators.models import SimSubscriber
    from tests.support.orders import QUICK, signed_notification, start_sim_payment, subscriber

    a, b = stack["a"], stack["b"]
    number = f"1380{uuid.uuid4().int % 10**7:07d}"

    def place():
        carrier = Carrier.objects.get(slug="alpha")
        saved = dict(carrier.gateways)
        carrier.gateways = {**saved, "bss": QUICK, "payment": QUICK, "sms": QUICK}
        carrier.save(update_fields=["gateways"])
        SimSubscriber.objects.create(number=number, plan="畅享 59")
        order = checkout.place_top_up(subscriber(), number, "50", token=uuid.uuid4().hex)
        return saved, order.pk, signed_notification(start_sim_payment(order))

    saved, order_id, notification = in_own_connection(lambda: _in_alpha(place))
    try:
        alpha = Browser("alpha.localhost")
        path = "/api/payments/notify/simulator/"
        assert alpha.request(a, "POST", path, notification)[0] == 200  # paid through A
        assert alpha.request(b, "POST", path, notification)[0] == 200  # the gateway's retry, to B

        def send_again():  # the sweeper re-sending while the first copy runs: both workers busy
            for _copy in range(3):
                run_fulfilment.delay(order_id)

        in_own_connection(lambda: _in_alpha(send_again))

        def status():
            return in_own_connection(lambda: _in_alpha(lambda: Order.objects.get(pk=order_id).status))

        wait_until(lambda: status() == "completed", timeout=30, what="the top-up to complete")
        time.sleep(1)  # the extra copies have run too (each finds the step done)

        def facts():
            return (
                list(FulfilmentStep.objects.filter(order_id=order_id).values_list("step", "status")),
                OrderEvent.objects.filter(order_id=order_id, to_status="completed").count(),
                SimSubscriber.objects.get(number=number).balance,
            )

        steps, completions, balance = in_own_connection(lambda: _in_alpha(facts))
        assert steps == [("credit_top_up", "done")] and completions == 1
        assert balance == Decimal("50.00")  # credited once, not once per copy or per worker
    finally:

        def tidy():
            carrier = Carrier.objects.get(slug="alpha")
            carrier.gateways = saved
            carrier.save(update_fields=["gateways"])
            Payment.objects.filter(order_id=order_id).delete()  # (protected: the order goes after them)
            Order.objects.filter(pk=order_id).delete()
            SimSubscriber.objects.filter(number=number).delete()

        in_own_connection(lambda: _in_alpha(tidy))


def test_two_beats_send_each_periodic_job_once(stack):
    """Both beats (started with the stack, on a one-second probe job) tick all along; every
    second one of them sends the job and the other one skips it, and the workers run each send."""
    import redis
    from django.conf import settings

    beats, logs = stack["beats"], stack["beat_logs"]
    wait_until(lambda: all("beat: Starting" in log.read_text() for log in logs), timeout=30, what="two beats")
    time.sleep(3)
    for proc in beats:
        proc.terminate()
    for proc in beats:
        stop(proc)
    texts = [log.read_text() for log in logs]
    sent = sum(text.count("Sending due task scaling-probe") for text in texts)
    skipped = sum(text.count("scaling-probe was sent by another beat; skipped") for text in texts)
    ran_for = time.monotonic() - stack["started"]
    assert 3 <= sent <= ran_for + 2, texts  # one send a second at most, not one per beat
    assert skipped >= sent - 2, texts  # the other beat was due too, and stood back
    client = redis.Redis.from_url(settings.REDIS_URL)
    wait_until(lambda: int(client.get(stack["counter"]) or 0) == sent, timeout=10, what="every send to run once")
    client.delete(stack["counter"], "hall:beat:claim:scaling-probe")
