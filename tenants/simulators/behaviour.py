"""What makes a simulator behave like a remote system: every call takes its time, some fail for
a moment, a few are refused for good, and a repeated idempotency key has its first effect only."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from tenants.simulators.models import SimOperation


def simulate_call(config: dict, transient, permanent=None, default_latency=(20, 150)) -> None:
    """Sleep the configured latency; raise `transient()` or `permanent()` at their configured rates."""
    low, high = config.get("latency_ms", default_latency)
    if delay := random.uniform(float(low), float(high)) / 1000:  # no latency: no sleep(0), which yields the CPU
        time.sleep(delay)
    if random.random() < float(config.get("error_rate", 0)):
        raise transient()
    if permanent is not None and random.random() < float(config.get("permanent_error_rate", 0)):
        raise permanent()


class KeyReused(Exception):
    pass


def once(key: str, operation: str, perform: Callable[[], dict]) -> dict | None:
    """Run `perform()` once per key and keep its (JSON) result; a repeat returns that result.
    A parallel repeat waits for the first one to commit, then returns its result.

    The key is claimed with INSERT … ON CONFLICT DO NOTHING: no savepoint, and the claim, the
    effect and the result commit together (a failure rolls all three back). `perform` runs in
    this transaction and needs none of its own. An empty result is the claim's own: no second write."""
    table = connection.ops.quote_name(SimOperation._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (\"key\", operation, result, created_at) VALUES (%s, %s, '{{}}', %s) "
                'ON CONFLICT ("key") DO NOTHING RETURNING id',
                [key, operation, timezone.now()],
            )
            claimed = cursor.fetchone()
        if claimed is None:
            record = SimOperation.objects.select_for_update().get(key=key)
            if record.operation != operation:
                raise KeyReused(f"idempotency key {key!r} was used for {record.operation}") from None
            return record.result
        result = perform()
        if result:
            SimOperation.objects.filter(pk=claimed[0]).update(result=result)
        return result
