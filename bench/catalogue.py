"""Catalogue benchmark: requests/s of a category listing and an offer detail page against a bare
Django view that renders a 20-row ORM list, measured in the same run on the same carrier host;
and SQL queries per page for listings of different sizes (must not grow with the offers shown).

Run with `./hallctl bench bench/catalogue.py` (throwaway PostgreSQL and Redis)."""
from _common import requests_per_second, setup_django

setup_django()

from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django_tenants.utils import schema_context

from catalog.demo import seed_catalogue
from catalog.models import Offer
from hall.decoration.services import publish_theme
from hall.urls_tenant import urlpatterns as tenant_urls
from tenants.models import Carrier
from tenants.services import CarrierSpec, create_carrier, ensure_public_tenant

TWENTY_ROWS = engines["django"].from_string(
    "<ul>{% for o in offers %}<li>{{ o.name }} {{ o.sale_price }}</li>{% endfor %}</ul>")


def bare_list(request):
    return HttpResponse(TWENTY_ROWS.render({"offers": Offer.objects.all()[:20]}))


urlpatterns = [path("bench-list/", bare_list), *tenant_urls]


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def main():
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", "-v", "0")
    ensure_public_tenant()
    if Carrier.objects.filter(slug="benchcat").exists():
        Carrier.objects.get(slug="benchcat").delete(force_drop=True)
    carrier = create_carrier(CarrierSpec(slug="benchcat", name="基准通信", admin_password="Bench-pass-2026"))
    with schema_context(carrier.schema_name):
        publish_theme({"primary": "#0B57A4"})
        seed_catalogue([("guangzhou", "广州", "广东")])
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="benchcat.localhost")
    with override_settings(ROOT_URLCONF=__name__):
        bare = requests_per_second(client, "/bench-list/")
        listing = requests_per_second(client, "/catalogue/plans/")
        detail = requests_per_second(client, "/offers/phone-1/")
        print(f"bare view, 20-row ORM list:        {bare:7.0f} req/s")
        print(f"category listing (8 offers):       {listing:7.0f} req/s  ratio {listing / bare:.2f}")
        print(f"offer detail (phone, 4 variants):  {detail:7.0f} req/s  ratio {detail / bare:.2f}")
        sizes = {"6 offers": "/catalogue/addons/", "8 offers": "/catalogue/plans/", "12 offers": "/catalogue/"}
        counts = {label: queries(client, url) for label, url in sizes.items()}
        print("SQL queries per listing page: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
        print(f"SQL queries per offer detail: {queries(client, '/offers/phone-1/')}")
    carrier.delete(force_drop=True)


if __name__ == "__main__":
    main()
