import json

from tests.support.clients import host_client


def test_healthz_reports_database_redis_and_workers(db, celery_worker_process):
    for host in ("localhost", "alpha.localhost"):
        response = host_client(host).get("/healthz")
        body = json.loads(response.content)
        assert response.status_code == 200, body
        assert body["status"] == "ok"
        assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
        assert body["checks"]["workers"]["count"] >= 1
        assert "beat" in body["checks"]


def test_healthz_fails_with_503_when_redis_is_down(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = host_client("localhost").get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["status"] == "failing"
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["database"]["ok"] is True
