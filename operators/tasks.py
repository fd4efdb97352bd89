"""Platform-level tasks: liveness and diagnostics. Order pipelines live in orders/tasks.py."""

import time

import redis
from celery import shared_task
from django.conf import settings

from core.tenancy import current_schema, in_public
from storefront.decoration.render import live_theme

BEAT_HEARTBEAT_KEY = "hall:beat:last-seen"


@shared_task
def beat_heartbeat() -> float:
    """Scheduled by beat and run by a worker: /healthz reads when it last ran."""
    now = time.time()
    redis.Redis.from_url(settings.REDIS_URL).set(BEAT_HEARTBEAT_KEY, now, ex=3600)
    return now


@shared_task
def shop_probe() -> dict:
    """Report which carrier schema the task ran in and what that schema holds (diagnostics)."""
    if in_public():
        return {"schema": "public", "primary_color": None}

    return {"schema": current_schema(), "primary_color": live_theme()["primary"]}


@shared_task(ignore_result=True)
def noop(counter_key: str = "") -> None:
    """Does nothing but count itself: the benchmarks' baseline of bare task throughput."""
    if counter_key:
        redis.Redis.from_url(settings.REDIS_URL).incr(counter_key)
