import time

import redis
from celery import current_app as celery_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from operators.tasks import BEAT_HEARTBEAT_KEY

BEAT_STALE_SECONDS = 90


def database_check() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # report any failure as data, never as a 500
        return {"ok": False, "error": exc.__class__.__name__}


def redis_check() -> tuple[dict, redis.Redis | None]:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
        return {"ok": True}, client
    except redis.RedisError as exc:
        return {"ok": False, "error": exc.__class__.__name__}, None


def _workers() -> dict:
    try:
        replies = celery_app.control.ping(timeout=1.0) or []
    except Exception as exc:
        return {"ok": False, "count": 0, "error": exc.__class__.__name__}
    return {"ok": bool(replies), "count": len(replies)}


def _beat(client: redis.Redis) -> dict:
    last = client.get(BEAT_HEARTBEAT_KEY)
    if last is None:
        return {"ok": False, "last_seen_seconds_ago": None}
    age = round(time.time() - float(last), 1)
    return {"ok": age < BEAT_STALE_SECONDS, "last_seen_seconds_ago": age}


_recent: dict = {}


def healthz(request):
    """Liveness of the database, Redis and Celery workers: 200 when all answer, else 503.
    Beat is reported too (through the heartbeat task it schedules) but does not fail the check.
    The answer is reused for a few seconds: probing workers waits up to a second, and an
    unauthenticated endpoint must not let callers tie up web workers."""
    ttl = getattr(settings, "HALL_HEALTH_CACHE_SECONDS", 0)
    if ttl and _recent.get("at", -ttl) > time.monotonic() - ttl:
        return JsonResponse(_recent["body"], status=_recent["status"], headers={"Cache-Control": "no-store"})
    body, status = _check()
    _recent.update(at=time.monotonic(), body=body, status=status)
    return JsonResponse(body, status=status, headers={"Cache-Control": "no-store"})


def _check():
    redis_status, client = redis_check()
    checks = {
        "database": database_check(),
        "redis": redis_status,
        "workers": _workers() if client else {"ok": False, "count": 0, "error": "redis unavailable"},
    }
    healthy = all(check["ok"] for check in checks.values())
    checks["beat"] = _beat(client) if client else {"ok": False, "last_seen_seconds_ago": None}
    return {"status": "ok" if healthy else "failing", "checks": checks}, (200 if healthy else 503)
