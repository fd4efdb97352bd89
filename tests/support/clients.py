"""What tests share for clients and test data: the test carriers, staff sign-in through the real
form, host-bound clients, committed work in a connection of its own, waiting for a condition.
(conftest.py builds its fixtures from these; tests import them from here, never from conftest.)"""

import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# Alpha carries the demo catalogue (committed, read-only for tests); beta has none.
CARRIER_A = {"slug": "alpha", "name": "阿尔法通信", "primary": "#C8102E", "catalogue": True}
CITIES = (("guangzhou", "广州", "广东"), ("shenzhen", "深圳", "广东"))
HOME_NOTICE = "欢迎光临阿尔法通信"
POOL_PER_CITY = 3000  # alpha's committed number pool: segment 180, per city
CARRIER_B = {"slug": "beta", "name": "贝塔移动", "primary": "#0B57A4"}
TEST_GROUP = "testgroup"
STAFF_PASSWORD = "Staff-pass-2026"


def host_client(host):
    from django.test import Client

    return Client(HTTP_HOST=host)


def sign_in(client, username, password):
    """Sign in through the host's real login form (the test client's login() would bypass the
    tenant middleware and use the public schema)."""
    response = client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
    return response.status_code == 302 and response["Location"] == "/admin/"


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
