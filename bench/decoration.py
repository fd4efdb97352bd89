"""Decoration benchmark: requests/s of a decorated home page (10 blocks, 2 of them live product
grids) against a bare Django view rendering a 20-row ORM list, in the same run; SQL statements
per render with the page structure cached.

Run with `./hallctl bench bench/decoration.py` (throwaway PostgreSQL and Redis)."""
from _common import requests_per_second, setup_django

setup_django()

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django_tenants.utils import schema_context

from catalog.demo import seed_catalogue
from catalog.models import Offer
from hall.decoration import services
from hall.decoration.documents import new_section
from hall.demo import logo_png
from hall.models import Page
from hall.urls_tenant import urlpatterns as tenant_urls
from tenants.models import Carrier
from tenants.services import CarrierSpec, create_carrier, ensure_public_tenant

TWENTY_ROWS = engines["django"].from_string(
    "<ul>{% for o in offers %}<li>{{ o.name }} {{ o.sale_price }}</li>{% endfor %}</ul>")


def bare_list(request):
    return HttpResponse(TWENTY_ROWS.render({"offers": Offer.objects.all()[:20]}))


urlpatterns = [path("bench-list/", bare_list), *tenant_urls]


def ten_blocks(banner_id):
    return {"schema_version": 1, "sections": [
        new_section("notice_bar", {"text": "线上办理顺丰包邮", "link": "", "tone": "info"}),
        new_section("banner", {"autoplay": True, "interval": 4, "items": [
            {"image": banner_id, "alt": "横幅", "link": "category:phones"}]}),
        new_section("icon_grid"),
        new_section("product_grid", {"title": "热门套餐", "source": "kind", "value": "plan", "sort": "popular",
                                     "limit": 6, "columns": 2}),
        new_section("coupon", {"title": "立减", "amount": "20", "condition": "", "link": "category:sim-cards"}),
        new_section("number_search"),
        new_section("product_grid", {"title": "5G 手机", "source": "category", "value": "phones",
                                     "sort": "recommended", "limit": 6, "columns": 3}),
        new_section("spacer", {"height": 16, "divider": True}),
        new_section("rich_text", {"html": "<h3>服务承诺</h3><ul><li>实名办理</li></ul>"}),
        new_section("notice_bar", {"text": "客服热线 10000", "link": "", "tone": "info"}),
    ]}


def main():
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", "-v", "0")
    ensure_public_tenant()
    if Carrier.objects.filter(slug="benchdeco").exists():
        Carrier.objects.get(slug="benchdeco").delete(force_drop=True)
    carrier = create_carrier(CarrierSpec(slug="benchdeco", name="基准通信", admin_password="Bench-pass-2026"))
    with schema_context(carrier.schema_name):
        seed_catalogue([("guangzhou", "广州", "广东")])
        services.publish_theme({"primary": "#0B57A4"})
        banner = services.upload_asset(SimpleUploadedFile("b.png", logo_png("BANNER", "#0B57A4", (750, 300), 64),
                                                          "image/png"), "banner")
        services.publish_document(Page.Kind.HOME, "home", "首页", ten_blocks(banner.pk))
    connection.set_schema_to_public()
    cache.clear()
    client = Client(HTTP_HOST="benchdeco.localhost")
    with override_settings(ROOT_URLCONF=__name__):
        bare = requests_per_second(client, "/bench-list/")
        home = requests_per_second(client, "/")
        with CaptureQueriesContext(connection) as ctx:
            client.get("/")
        print(f"bare view, 20-row ORM list:                  {bare:7.0f} req/s")
        print(f"decorated home, 10 blocks incl. 2 grids:     {home:7.0f} req/s  ratio {home / bare:.2f}")
        print(f"SQL statements per home render (structure cached): {len(ctx.captured_queries)}")
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get("/")
        print(f"SQL statements on a cold cache (first render after publish): {len(cold.captured_queries)}")
    carrier.delete(force_drop=True)


if __name__ == "__main__":
    main()
