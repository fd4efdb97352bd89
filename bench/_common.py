"""Shared helpers for the benchmarks: Django set-up and a requests/s measurement."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")


def setup_django():
    import django

    django.setup()


def requests_per_second(client, path, seconds=3.0, warmup=20, **extra):
    """Sequential requests through the whole middleware stack (in-process WSGI test client)."""
    for _ in range(warmup):
        assert client.get(path, **extra).status_code == 200
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        client.get(path, **extra)
        count += 1
    return count / (time.perf_counter() - started)


def fresh_carrier(slug: str):
    """A new carrier for one benchmark run (the throwaway database has only the public schema)."""
    from django.core.management import call_command

    from tenants.models import Carrier
    from tenants.services import CarrierSpec, create_carrier, ensure_public_tenant

    call_command("migrate_schemas", "--shared", "-v", "0")
    ensure_public_tenant()
    if Carrier.objects.filter(slug=slug).exists():
        Carrier.objects.get(slug=slug).delete(force_drop=True)
    return create_carrier(CarrierSpec(slug=slug, name="基准通信", admin_password="Bench-pass-2026"))


def bare_list(request):
    """The baseline page: a bare Django view rendering a 20-row ORM list."""
    from django.http import HttpResponse
    from django.template import engines

    from catalog.models import Offer

    template = engines["django"].from_string(
        "<ul>{% for o in offers %}<li>{{ o.name }} {{ o.sale_price }}</li>{% endfor %}</ul>"
    )
    return HttpResponse(template.render({"offers": Offer.objects.all()[:20]}))


def urls_with_baseline():
    """The carrier URLs plus /bench-list/ (use as the benchmark module's urlpatterns)."""
    from django.urls import path

    from hall.urls_tenant import urlpatterns as tenant_urls

    return [path("bench-list/", bare_list), *tenant_urls]


def query_count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (from /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def children_rss(parent: int) -> list[float]:
    """RSS in MB of the parent's child processes (gunicorn's workers, a Celery pool), sorted."""
    out = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                out.append(rss_mb(int(entry.name)))
        except (OSError, StopIteration, ValueError):
            continue
    return sorted(out)
