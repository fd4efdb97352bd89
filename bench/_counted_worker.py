"""A Celery worker that counts what it costs: every statement its processes send PostgreSQL, every
call to a simulated carrier system and every task. `python bench/_counted_worker.py <celery worker
arguments>`; the counts go to the Redis hash named by BENCH_COUNTS_KEY.

How statements are counted: at psycopg2's level (a connection and cursor class of our own), so
what Django does not see counts too. Each `execute` is one statement (`SET search_path`, the ORM's,
`SAVEPOINT`/`RELEASE`, a health check's `SELECT 1`); psycopg2 sends `BEGIN` by itself before the
first statement outside autocommit, counted when the connection is idle and not in autocommit;
`commit()`/`rollback()` count when a transaction is open (otherwise psycopg2 sends nothing).
`executemany` counts one statement per parameter set, as psycopg2 sends them. Each pool process
adds its counts to the hash five times a second, so the counting costs no round trip per task."""

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable

import psycopg2
import psycopg2.extensions as pg
from _common import setup_django  # noqa: F401 — puts the project on sys.path, sets the settings module

COUNTS: Counter = Counter()
_lock = threading.Lock()


def _add(field: str, n: int = 1) -> None:
    with _lock:
        COUNTS[field] += n


def _begins(connection: pg.connection) -> None:
    if not connection.autocommit and connection.status == pg.STATUS_READY:
        _add("statements")  # the BEGIN psycopg2 sends first


class CountingCursor(pg.cursor):
    def execute(self, query, vars=None):
        _begins(self.connection)
        _add("statements")
        return super().execute(query, vars)

    def executemany(self, query, vars_list):
        vars_list = list(vars_list)
        _begins(self.connection)
        _add("statements", len(vars_list))
        return super().executemany(query, vars_list)

    def callproc(self, procname, parameters=None):
        _begins(self.connection)
        _add("statements")
        return super().callproc(procname, parameters)


class CountingConnection(pg.connection):
    def commit(self):
        if not self.autocommit and self.status != pg.STATUS_READY:
            _add("statements")
        return super().commit()

    def rollback(self):
        if not self.autocommit and self.status != pg.STATUS_READY:
            _add("statements")
        return super().rollback()


_connect = psycopg2.connect


def _counting_connect(*args, **kwargs):
    kwargs["connection_factory"] = CountingConnection
    kwargs["cursor_factory"] = CountingCursor  # Django would pass psycopg2's plain cursor
    return _connect(*args, **kwargs)


psycopg2.connect = _counting_connect


def _count_gateway_calls() -> None:
    from tenants.simulators.bss import SimulatedBss
    from tenants.simulators.logistics import SimulatedLogistics
    from tenants.simulators.payment import SimulatedPaymentGateway
    from tenants.simulators.realname import SimulatedRealnameProvider
    from tenants.simulators.sms import SimulatedSms

    def counted(method: Callable) -> Callable:
        def call(self, *args, **kwargs):
            _add("gateway_calls")
            return method(self, *args, **kwargs)

        return call

    for adapter in (SimulatedBss, SimulatedSms, SimulatedLogistics, SimulatedPaymentGateway, SimulatedRealnameProvider):
        for name, method in list(vars(adapter).items()):
            if callable(method) and not name.startswith("_"):
                setattr(adapter, name, counted(method))


def _flush_forever(key: str) -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    while True:
        time.sleep(0.2)
        with _lock:
            due = {field: n for field, n in COUNTS.items() if n}
            COUNTS.clear()
        if due:
            pipe = client.pipeline()
            for field, n in due.items():
                pipe.hincrby(key, field, n)
            pipe.execute()


def main() -> None:
    from celery.signals import task_postrun, worker_process_init

    key = os.environ["BENCH_COUNTS_KEY"]

    @worker_process_init.connect(weak=False)
    def start(**_kwargs) -> None:
        COUNTS.clear()  # what the parent counted before the fork is the parent's
        _count_gateway_calls()
        threading.Thread(target=_flush_forever, args=(key,), daemon=True).start()

    @task_postrun.connect(weak=False)
    def count_task(task=None, **_kwargs) -> None:
        _add(f"tasks:{task.name if task else '?'}")

    from celery.__main__ import main as celery

    sys.argv = ["celery", *sys.argv[1:]]
    celery()


if __name__ == "__main__":
    main()
