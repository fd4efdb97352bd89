"""No Docker engine runs here: check docker-compose.yml's structure instead."""
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


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
    result = subprocess.run([sys.executable, "-c", "import django; from django.conf import settings; "
                             "import hall.settings"], env=env, capture_output=True, text=True,
                            cwd=COMPOSE.parent)
    assert result.returncode != 0 and "HALL_SECRET_KEY" in result.stderr
