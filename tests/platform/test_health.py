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


def test_livez_answers_for_any_host_without_asking_anything(db, settings, django_assert_num_queries):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there: liveness does not care
    with django_assert_num_queries(0):
        for host in ("10.1.2.3:8000", "localhost", "nobody.example"):  # a pod's IP, no carrier
            response = host_client(host).get("/livez")
            assert response.status_code == 200 and response.content == b"ok"


def test_readyz_asks_the_database_and_redis_but_not_the_workers(db, settings):
    ready = host_client("10.1.2.3:8000").get("/readyz")  # no worker runs in this test
    assert ready.status_code == 200 and set(ready.json()["checks"]) == {"database", "redis"}
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    down = host_client("10.1.2.3:8000").get("/readyz")
    assert down.status_code == 503 and down.json()["checks"]["redis"]["ok"] is False
