"""Catalogue benchmark: requests/s of a category listing and an offer detail page against a bare
Django view that renders a 20-row ORM list, measured in the same run on the same carrier host;
and SQL queries per page for listings of different sizes (must not grow with the offers shown).

Run with `./hallctl bench bench/catalogue.py` (throwaway PostgreSQL and Redis)."""

from _common import fresh_carrier, query_count, requests_per_second, setup_django, urls_with_baseline

setup_django()

from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from demo.catalog import seed_catalogue
from storefront.decoration.services import publish_theme

urlpatterns = urls_with_baseline()


def main():
    carrier = fresh_carrier("benchcat")
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
        counts = {label: query_count(client, url) for label, url in sizes.items()}
        print("SQL queries per listing page: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
        print(f"SQL queries per offer detail: {query_count(client, '/offers/phone-1/')}")
    carrier.delete(force_drop=True)


if __name__ == "__main__":
    main()
