"""我的 benchmark: requests/s of the signed-in subscriber's 我的 with three bound numbers (balance,
allowances, plan, broadband accounts from the BSS simulator, cached per number for
selfcare.selectors.USAGE_SECONDS) against the bare 20-row ORM view and the catalogue listing,
measured in the same run on the same carrier host; SQL statements per 我的 render, warm and cold.

Run with `./hallctl bench bench/selfcare.py` (throwaway PostgreSQL and Redis)."""

from _common import fresh_carrier, query_count, requests_per_second, setup_django, urls_with_baseline

setup_django()

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from demo.catalog import seed_catalogue
from demo.simulators import seed_bss
from selfcare.selectors import USAGE_SECONDS
from storefront.decoration.services import publish_theme
from subscribers import bindings
from subscribers.models import BoundNumber
from tenants.simulators.models import SimSubscriber

urlpatterns = urls_with_baseline()
PASSWORD = "Bench-pass-2026"


def main():
    carrier = fresh_carrier("benchme")
    with schema_context(carrier.schema_name):
        carrier.gateways = {"bss": {"latency_ms": [0, 0]}}
        carrier.save(update_fields=["gateways"])
        publish_theme({"primary": "#0B57A4"})
        seed_catalogue([("guangzhou", "广州", "广东")])
        seed_bss("18000000001", "180", "广州")
        user = get_user_model().objects.create_user("18000000001", password=PASSWORD)
        numbers = list(
            SimSubscriber.objects.filter(status="active").order_by("number").values_list("number", flat=True)
        )
        for number in ["18000000001", *[n for n in numbers if n != "18000000001"][:2]]:
            bindings.bind(user, number, BoundNumber.Proof.CODE)
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="benchme.localhost")
    assert client.post("/me/login/", {"username": "18000000001", "password": PASSWORD}).status_code == 302
    with override_settings(ROOT_URLCONF=__name__):
        rounds = []
        for _round in range(3):  # interleaved, so the machine's load falls on all three alike
            bare = requests_per_second(client, "/bench-list/")
            listing = requests_per_second(client, "/catalogue/plans/")
            me = requests_per_second(client, "/me/")
            rounds.append((bare, listing, me))
        bare, listing, me = (sorted(r[i] for r in rounds)[1] for i in range(3))  # medians
        print(f"bare view, 20-row ORM list:              {bare:7.0f} req/s")
        print(f"catalogue listing (8 offers):            {listing:7.0f} req/s  ratio {listing / bare:.2f}")
        print(f"我的, 3 bound numbers (BSS cached {USAGE_SECONDS} s): {me:7.0f} req/s  ratio {me / bare:.2f}")
        print(f"SQL statements per 我的 render (warm cache): {query_count(client, '/me/')}")
        cache.clear()
        print(f"SQL statements per 我的 render (cold cache): {query_count(client, '/me/')}")
    carrier.delete(force_drop=True)


if __name__ == "__main__":
    main()
