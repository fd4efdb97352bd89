import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from hall.celery import app as celery_app
from hall.tasks import BEAT_HEARTBEAT_KEY

BEAT_STALE_SECONDS = 90


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # report any failure as data, never as a 500
        return {"ok": False, "error": exc.__class__.__name__}


def _redis() -> tuple[dict, redis.Redis | None]:
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
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "count": len(names), "names": names}


def _beat(client: redis.Redis) -> dict:
    last = client.get(BEAT_HEARTBEAT_KEY)
    if last is None:
        return {"ok": False, "last_seen_seconds_ago": None}
    age = round(time.time() - float(last), 1)
    return {"ok": age < BEAT_STALE_SECONDS, "last_seen_seconds_ago": age}


def healthz(request):
    """Liveness of the database, Redis and Celery workers: 200 when all answer, else 503.
    Beat is reported too (through the heartbeat task it schedules) but does not fail the check."""
    redis_status, client = _redis()
    checks = {
        "database": _database(),
        "redis": redis_status,
        "workers": _workers() if client else {"ok": False, "count": 0, "error": "redis unavailable"},
    }
    healthy = all(check["ok"] for check in checks.values())
    checks["beat"] = _beat(client) if client else {"ok": False, "last_seen_seconds_ago": None}
    body = {"status": "ok" if healthy else "failing", "schema": connection.schema_name, "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})
