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
from pathlib import Path

import pytest
from django.db import connection

from tests.support.clients import (  # noqa: F401 — the fixtures below use them
    CARRIER_A,
    CARRIER_B,
    CITIES,
    HOME_NOTICE,
    POOL_PER_CITY,
    PROJECT,
    STAFF_PASSWORD,
    TEST_GROUP,
    host_client,
    in_own_connection,
    sign_in,
    subprocess_env,
    wait_until,
)


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
        from storefront.decoration.models import Page
        from storefront.decoration.services import publish_document, publish_theme

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
            from demo.catalog import seed_catalogue

            seed_catalogue(list(CITIES))
            from demo.numbers import seed_pool

            seed_pool(["180"], [code for code, _n, _p in CITIES], per_city=POOL_PER_CITY, seed=42)
            from demo.catalog import seed_deposit_offers
            from demo.simulators import seed_bss

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


@pytest.fixture
def client_a(db):
    return host_client("alpha.localhost")


@pytest.fixture
def client_b(db):
    return host_client("beta.localhost")


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
    from demo.simulators import seed_bss
    from tests.support.orders import quick_gateways

    settings.HALL_TRACKING_POLL_SECONDS = 0
    quick_gateways(in_carrier_a)
    seed_bss("18000000001", "180", "广州")
    return in_carrier_a


@pytest.fixture
def telecom(in_carrier_a):
    """Carrier alpha with quick BSS, SMS and payment simulators, the demo BSS subscribers and deposit
    offers, and no codes left over for the main demo number."""
    from demo.catalog import seed_deposit_offers
    from demo.simulators import seed_bss
    from subscribers.models import NumberAuthCode
    from tests.support.telecom import MAIN

    in_carrier_a.gateways = {
        "bss": {"latency_ms": [0, 0]},
        "sms": {"latency_ms": [0, 0]},
        "payment": {"latency_ms": [0, 0]},
    }
    in_carrier_a.save(update_fields=["gateways"])
    seed_bss(MAIN, "180", "广州")
    seed_deposit_offers()
    NumberAuthCode.objects.filter(number=MAIN).delete()  # codes a browser test sent (committed) must not count
    return in_carrier_a
