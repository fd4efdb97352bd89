"""No Docker engine runs here: check docker-compose.yml's structure instead."""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_compose_defines_the_production_like_stack():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["HALL_ENV"] == "production"
        for key in ("DATABASE_URL", "REDIS_URL", "HALL_SECRET_KEY"):
            assert key in env, f"{name} lacks {key}"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    assert (COMPOSE.parent / services["web"]["build"]["dockerfile"]).exists()


def test_production_settings_refuse_to_start_without_a_secret(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "HALL_SECRET_KEY"}
    env.update(HALL_ENV="production", HALL_ALLOWED_HOSTS="shop.example")
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; import hall.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=COMPOSE.parent,
    )
    assert result.returncode != 0 and "HALL_SECRET_KEY" in result.stderr


def test_compose_has_no_fixed_secrets_and_production_defaults_are_secure():
    text = COMPOSE.read_text()
    spec = yaml.safe_load(text)
    env = spec["services"]["web"]["environment"]
    assert "HALL_SECURE_COOKIES" not in env  # Secure cookies: the settings' default, not switched off
    assert env["HALL_BEHIND_TLS_PROXY"] == "1" and env["HALL_TRUSTED_PROXIES"] == "1"
    assert "${HALL_DB_PASSWORD:?" in env["DATABASE_URL"] and ":hall@" not in env["DATABASE_URL"]
    assert spec["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${HALL_DB_PASSWORD:?")
    assert "ports" not in spec["services"]["web"]  # only the TLS proxy is published
    caddyfile = (COMPOSE.parent / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy {" in caddyfile and "{$HALL_SITE_ADDRESSES}" in caddyfile
    assert "name web" in caddyfile and "port 8000" in caddyfile  # every web replica (dynamic a)
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in spec["services"]["proxy"]["volumes"]
    ignored = (COMPOSE.parent / ".dockerignore").read_text().split()
    for path in (".hall/", ".venv/", ".git/", "test-artifacts/"):
        assert path in ignored, path


def _production_settings(**env_extra):
    import os
    import subprocess
    import sys

    env = dict(
        os.environ, HALL_ENV="production", HALL_ALLOWED_HOSTS="shop.example", HALL_SECRET_KEY="s" * 60, **env_extra
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
            "settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS)",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "hall.settings"},
        capture_output=True,
        text=True,
        cwd=COMPOSE.parent,
    )


def test_production_refuses_the_old_compose_database_password():
    result = _production_settings(DATABASE_URL="postgresql://hall:hall@postgres:5432/hall")
    assert result.returncode != 0 and "HALL_DB_PASSWORD" in result.stderr


def test_behind_the_tls_proxy_https_is_enforced():
    result = _production_settings(HALL_BEHIND_TLS_PROXY="1", DATABASE_URL="postgresql://hall:s3cret@db:5432/hall")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True"]


def test_compose_scales_web_and_worker_and_migrates_once():
    """`docker compose up --scale web=4 --scale worker=4`: nothing in web, worker or beat may clash
    between replicas, and migrations run once, before any of them, in a one-shot service."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    migrate = services["migrate"]
    assert "migrate_schemas --shared" in " ".join(migrate["command"])
    assert "migrate_schemas --tenant" in " ".join(migrate["command"])
    assert migrate["restart"] == "no"  # exits 0 and stays down ("unless-stopped" would rerun it)
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert "migrate" not in " ".join(service["command"]), f"{name} migrates itself"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert "container_name" not in service and "ports" not in service, f"{name} cannot have replicas"
        assert "hostname" not in service, f"{name}: replicas need their own host (and Celery node) names"
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "-S" not in services["beat"]["command"]  # the scheduler comes from the settings (hall.beat)
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])  # not /healthz: workers
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "$$HOSTNAME" in " ".join(services["worker"]["healthcheck"]["test"])  # this replica's node


def test_every_beat_uses_the_scheduler_that_sends_each_job_once():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULER == "hall.beat:OnceScheduler"
