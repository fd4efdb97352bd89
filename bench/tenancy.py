"""Tenancy benchmark: seconds to create a carrier (template clone vs. full migrations), and
requests/s of a carrier's home page vs. a bare Django view through the same stack.

Run with `./hallctl bench bench/tenancy.py` (throwaway PostgreSQL and Redis)."""

import statistics
import time

from _common import requests_per_second, setup_django

setup_django()

from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django_tenants.utils import schema_context

from hall.urls_tenant import urlpatterns as tenant_urls
from storefront.decoration.services import publish_theme
from tenants.models import Carrier
from tenants.services import CarrierSpec, create_carrier, ensure_public_tenant, ensure_template

RUNS = 3


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench-bare/", bare), *tenant_urls]


def drop(slug):
    carrier = Carrier.objects.get(slug=slug)
    connection.set_schema_to_public()
    carrier.delete(force_drop=True)


def time_creation(prefix, **overrides):
    times = []
    for i in range(RUNS):
        slug = f"{prefix}{i}"
        with override_settings(**overrides):
            started = time.perf_counter()
            create_carrier(CarrierSpec(slug=slug, name=slug, admin_password="Bench-pass-2026"))
            times.append(time.perf_counter() - started)
        drop(slug)
    return statistics.median(times)


def main():
    call_command("migrate_schemas", "--shared", "-v", "0")
    ensure_public_tenant()
    ensure_template()
    cloned = time_creation("benchclone")
    migrated = time_creation("benchmig", TENANT_CREATION_FAKES_MIGRATIONS=False, TENANT_BASE_SCHEMA=None)
    print(f"create a carrier, cloned from the template schema: {cloned:.2f} s (median of {RUNS})")
    print(f"create a carrier, running every migration:          {migrated:.2f} s (median of {RUNS})")
    print(f"  clone speed-up: {migrated / cloned:.1f}x")

    carrier = create_carrier(CarrierSpec(slug="benchshop", name="基准通信", admin_password="Bench-pass-2026"))
    with schema_context(carrier.schema_name):
        publish_theme({"primary": "#0B57A4"})
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="benchshop.localhost")
    with override_settings(ROOT_URLCONF=__name__):
        bare_rps = requests_per_second(client, "/bench-bare/")
        home_rps = requests_per_second(client, "/")
    drop("benchshop")
    print(f"bare Django view on a carrier host:  {bare_rps:8.0f} req/s")
    print(f"carrier home page (shop shell):      {home_rps:8.0f} req/s")
    print(f"  home / bare ratio: {home_rps / bare_rps:.2f}")


if __name__ == "__main__":
    main()
