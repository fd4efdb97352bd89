"""What makes a simulator behave like a remote system: every call takes its time, some fail for
a moment, a few are refused for good, and a repeated idempotency key has its first effect only."""

from __future__ import annotations

import random
import time

from django.db import IntegrityError, transaction

from tenants.simulators.models import SimOperation


def simulate_call(config: dict, transient, permanent=None, default_latency=(20, 150)) -> None:
    """Sleep the configured latency; raise `transient()` or `permanent()` at their configured rates."""
    low, high = config.get("latency_ms", default_latency)
    time.sleep(random.uniform(float(low), float(high)) / 1000)
    if random.random() < float(config.get("error_rate", 0)):
        raise transient()
    if permanent is not None and random.random() < float(config.get("permanent_error_rate", 0)):
        raise permanent()


class KeyReused(Exception):
    pass


def once(key: str, operation: str, perform):
    """Run `perform()` once per key and keep its (JSON) result; a repeat returns that result.
    A parallel repeat waits for the first one to commit, then returns its result."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = SimOperation.objects.create(key=key, operation=operation)
        except IntegrityError:
            record = SimOperation.objects.select_for_update().get(key=key)
            if record.operation != operation:
                raise KeyReused(f"idempotency key {key!r} was used for {record.operation}") from None
            return record.result
        record.result = perform()
        record.save(update_fields=["result"])
        return record.result
