"""Test set-up shared by every test.

django-tenants has no pytest plugin: the public tenant and two test carriers (alpha, beta in one
carrier group) are created once per session, committed, on top of pytest-django's test database.
Tests use `db` (each test rolls back). Never use `transactional_db`: its flush would truncate the
public schema's carriers for every later test. Tests that need committed data (real worker,
real browser) make it themselves and clean up.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parents[1]
# Alpha carries the demo catalogue (committed, read-only for tests); beta has none.
CARRIER_A = {"slug": "alpha", "name": "阿尔法通信", "primary": "#C8102E", "catalogue": True}
CITIES = (("guangzhou", "广州", "广东"), ("shenzhen", "深圳", "广东"))
HOME_NOTICE = "欢迎光临阿尔法通信"
POOL_PER_CITY = 3000  # alpha's committed number pool: segment 180, per city
CARRIER_B = {"slug": "beta", "name": "贝塔移动", "primary": "#0B57A4"}
TEST_GROUP = "testgroup"
STAFF_PASSWORD = "Staff-pass-2026"


def _make_test_carrier(spec):
    from django_tenants.utils import schema_context

    from tenants.services import CarrierSpec, create_carrier

    carrier = create_carrier(
        CarrierSpec(slug=spec["slug"], name=spec["name"], group=TEST_GROUP, admin_password=STAFF_PASSWORD)
    )
    # Parcels arrive in seconds, not days, for the browser journeys.
    carrier.gateways = {"logistics": {"step_seconds": [0.5, 1.5]}}
    carrier.save(update_fields=["gateways"])
    with schema_context(carrier.schema_name):
        from hall.decoration.services import publish_document, publish_theme
        from hall.models import Page

        publish_theme({"primary": spec["primary"], "tagline": spec["name"]})
        if spec.get("catalogue"):  # a first published home page, for the decoration tests to change
            publish_document(
                Page.Kind.HOME,
                "home",
                "首页",
                {
                    "schema_version": 1,
                    "sections": [
                        {
                            "id": "welcome",
                            "type": "notice_bar",
                            "disabled": False,
                            "settings": {"text": HOME_NOTICE, "link": "", "tone": "info"},
                        }
                    ],
                },
            )
        if spec.get("catalogue"):
            from catalog.demo import seed_catalogue

            seed_catalogue(list(CITIES))
            from catalog.inventory.demo import seed_pool

            seed_pool(["180"], [code for code, _n, _p in CITIES], per_city=POOL_PER_CITY, seed=42)
            from catalog.demo import seed_deposit_offers
            from tenants.simulators.demo import seed_bss

            seed_deposit_offers()
            seed_bss("18000000001", "180", "广州")  # the simulated BSS: subscribers, broadband accounts
    return carrier


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenants.models import CarrierGroup
    from tenants.services import ensure_public_tenant

    with django_db_blocker.unblock():
        ensure_public_tenant(domains=("localhost", "testserver", "127.0.0.1"))
        CarrierGroup.objects.create(code=TEST_GROUP, name="测试集团")
        for spec in (CARRIER_A, CARRIER_B):
            _make_test_carrier(spec)
    return


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    if hasattr(connection, "set_schema_to_public"):
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _empty_cache_after_each_test():
    """Tests roll their rows back; the cache (its own Redis database) must forget them too."""
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def carrier_a(db):
    from tenants.models import Carrier

    return Carrier.objects.get(slug=CARRIER_A["slug"])


@pytest.fixture
def carrier_b(db):
    from tenants.models import Carrier

    return Carrier.objects.get(slug=CARRIER_B["slug"])


@pytest.fixture
def in_carrier_a(carrier_a):
    connection.set_tenant(carrier_a)
    yield carrier_a
    connection.set_schema_to_public()


def host_client(host):
    from django.test import Client

    return Client(HTTP_HOST=host)


def sign_in(client, username, password):
    """Sign in through the host's real login form (the test client's login() would bypass the
    tenant middleware and use the public schema)."""
    response = client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def client_a(db):
    return host_client("alpha.localhost")


@pytest.fixture
def client_b(db):
    return host_client("beta.localhost")


def subprocess_env() -> dict:
    """The environment for processes the tests start: the test database and the same media folder
    (one definition, in tests/support/live_server.py)."""
    from tests.support.live_server import database_env

    return database_env()


def wait_until(predicate, timeout=30.0, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup):
    """A real Celery worker process (prefork, 2 children) on the test database and Redis."""
    env = subprocess_env()
    log = open(Path(tempfile.mkdtemp()) / "worker.log", "w+")  # noqa: SIM115 — the worker's, for its lifetime
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hall",
            "worker",
            "-l",
            "info",
            "-c",
            "2",
            "-n",
            f"test-{os.getpid()}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from hall.celery import app

    def ready():
        if proc.poll() is not None:
            log.seek(0)
            raise AssertionError("worker died:\n" + log.read()[-3000:])
        return bool(app.control.ping(timeout=0.5))

    wait_until(ready, timeout=60, what="the Celery worker")
    yield proc
    from tests.support.live_server import stop

    stop(proc)
    log.close()


@pytest.fixture
def quick(in_carrier_a, settings):
    """Carrier alpha with simulators that answer at once and its simulated BSS seeded."""
    from tenants.simulators.demo import seed_bss
    from tests.orders_support import quick_gateways

    settings.HALL_TRACKING_POLL_SECONDS = 0
    quick_gateways(in_carrier_a)
    seed_bss("18000000001", "180", "广州")
    return in_carrier_a


def in_own_connection(work):
    """Run `work` in a thread: its own connection, autocommitted (other processes see the rows)."""
    import threading

    from django.db import connections

    out, errors = [], []

    def run():
        try:
            out.append(work())
        except Exception as exc:  # noqa: BLE001 — re-raised below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return out[0]
