"""The Helm chart (deploy/helm/hall), rendered by Helm's own engine and checked against the
Kubernetes API schemas, without a cluster or a `helm` binary.

Rendering: helm-python-sdk (a dev dependency) binds Helm's Go SDK (v4, the same template engine
and Sprig functions as `helm template`) through ctypes; its wheel ships the library. Validation:
kubernetes-validate, every manifest against the schema of a recent Kubernetes release, strict
(unknown fields fail)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

helm = pytest.importorskip("helm_python")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

PROJECT = Path(__file__).resolve().parents[2]
CHART = PROJECT / "deploy" / "helm" / "hall"
KUBERNETES = "1.30.0"
SECRETS = {
    "secretKey": "k" * 50,
    "realnameKeys": "k1:" + "A" * 43 + "=",
    "realnameHashKey": "B" * 43 + "=",
    "databasePassword": "s3cret",
}


def render(values: dict | None = None) -> list[dict]:
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render({"secrets": SECRETS, **(values or {})}, name="hall", namespace="shop", is_install=True)
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs: list[dict], kind: str, name: str) -> dict:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_every_manifest_is_valid_for_kubernetes():
    docs = render()
    kinds = sorted({(d["kind"], d["metadata"]["name"]) for d in docs})
    assert ("Deployment", "hall-web") in kinds and ("Job", "hall-migrate") in kinds
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)  # raises on any error
    # and with every replica count and size changed, still valid
    for doc in render({"web": {"replicas": 6, "gunicornWorkers": 4}, "worker": {"replicas": 4, "concurrency": 3}}):
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_helm_lint_finds_no_error_or_warning():
    report = helm.lint(str(CHART), {"secrets": SECRETS}, strict=True)
    assert not report["errors"], report
    assert all(m["severity"] < 2 for m in report["messages"]), report  # infos only ("icon is recommended")


def test_the_chart_refuses_to_render_without_secrets():
    with helm.Chart.load(str(CHART)) as chart, pytest.raises(helm.HelmError, match="required"):
        chart.render({}, name="hall", namespace="shop")


def test_web_worker_and_beat_run_as_compose_runs_them():
    docs = render()
    web, worker, beat = (by_kind(docs, "Deployment", f"hall-{n}") for n in ("web", "worker", "beat"))
    assert container(web)["command"][:4] == ["gunicorn", "-c", "python:hall.gunicorn", "hall.wsgi"]
    assert container(worker)["command"][:4] == ["celery", "-A", "hall", "worker"]
    assert container(beat)["command"][:4] == ["celery", "-A", "hall", "beat"]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"] == {"type": "Recreate"}
    assert render({"web": {"replicas": 5}})  # (the beat's replicas are not a value at all)
    for deployment in (web, worker):
        assert deployment["spec"]["replicas"] == 2
    for deployment in (web, worker, beat):
        assert "migrate" not in " ".join(container(deployment)["command"])  # the hook Job does that


def test_migrations_are_a_hook_job_that_needs_nothing_the_release_creates():
    docs = render()
    job = by_kind(docs, "Job", "hall-migrate")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    command = " ".join(container(job)["command"])
    assert "migrate_schemas --shared" in command and "migrate_schemas --tenant" in command
    (env_source,) = container(job)["envFrom"]
    hook_secret = by_kind(docs, "Secret", env_source["secretRef"]["name"])
    assert hook_secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
    assert hook_secret["stringData"]["DATABASE_URL"] == "postgresql://hall:s3cret@postgres:5432/hall"  # not PgBouncer


def test_pgbouncer_pools_in_session_mode_and_the_apps_go_through_it():
    docs = render()
    pgbouncer = by_kind(docs, "Deployment", "hall-pgbouncer")
    env = {e["name"]: e.get("value") for e in container(pgbouncer)["env"]}
    assert env["POOL_MODE"] == "session"  # django-tenants' search_path lives on the connection
    assert container(pgbouncer)["image"].startswith("edoburu/pgbouncer:")
    service = by_kind(docs, "Service", "hall-pgbouncer")
    assert service["spec"]["ports"][0]["port"] == 6432
    secret = by_kind(docs, "Secret", "hall-env")["stringData"]
    assert secret["DATABASE_URL"] == "postgresql://hall:s3cret@hall-pgbouncer:6432/hall"


def test_the_pods_get_every_setting_compose_gives_web():
    compose = yaml.safe_load((PROJECT / "docker-compose.yml").read_text())
    docs = render()
    config = by_kind(docs, "ConfigMap", "hall-config")["data"]
    secret = by_kind(docs, "Secret", "hall-env")["stringData"]
    assert set(compose["services"]["web"]["environment"]) <= set(config) | set(secret)
    assert config["HALL_ENV"] == "production" and config["HALL_BEHIND_TLS_PROXY"] == "1"
    for name in ("web", "worker", "beat"):
        sources = container(by_kind(docs, "Deployment", f"hall-{name}"))["envFrom"]
        assert {"configMapRef": {"name": "hall-config"}} in sources and {"secretRef": {"name": "hall-env"}} in sources


def test_liveness_never_waits_for_a_worker_and_readiness_asks_only_this_pods_services():
    web = container(by_kind(render(), "Deployment", "hall-web"))
    assert web["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert web["startupProbe"]["httpGet"]["path"] == "/livez"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "/healthz" not in yaml.safe_dump(web)  # /healthz waits for a Celery worker


def test_memory_is_sized_from_the_measured_figures():
    docs = render()
    web = container(by_kind(docs, "Deployment", "hall-web"))["resources"]
    worker = container(by_kind(docs, "Deployment", "hall-worker"))["resources"]
    assert web["requests"]["memory"] == f"{26 + 3 * 93}Mi" and web["limits"]["memory"] == f"{(26 + 3 * 93) * 3 // 2}Mi"
    assert worker["requests"]["memory"] == f"{104 + 2 * 87}Mi"
    bigger = render({"web": {"gunicornWorkers": 5}, "worker": {"concurrency": 4}})
    assert container(by_kind(bigger, "Deployment", "hall-web"))["resources"]["requests"]["memory"] == "491Mi"
    assert container(by_kind(bigger, "Deployment", "hall-worker"))["resources"]["requests"]["memory"] == "452Mi"
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            for c in doc["spec"]["template"]["spec"]["containers"]:
                assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"], doc["metadata"]


def test_uploads_are_on_one_volume_every_web_and_worker_pod_shares():
    docs = render()
    claim = by_kind(docs, "PersistentVolumeClaim", "hall-media")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    for name in ("web", "worker"):
        volumes = by_kind(docs, "Deployment", f"hall-{name}")["spec"]["template"]["spec"]["volumes"]
        assert {"name": "media", "persistentVolumeClaim": {"claimName": "hall-media"}} in volumes
