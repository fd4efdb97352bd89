"""Decoration benchmark: requests/s of a decorated home page (10 blocks, 2 of them live product
grids) against a bare Django view rendering a 20-row ORM list, in the same run; SQL statements
per render with the page structure cached.

Run with `./hallctl bench bench/decoration.py` (throwaway PostgreSQL and Redis)."""

from _common import fresh_carrier, query_count, requests_per_second, setup_django, urls_with_baseline

setup_django()

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from catalog.models import Offer
from demo.carriers import logo_png
from demo.catalog import seed_catalogue
from storefront.decoration import services
from storefront.decoration.documents import new_section
from storefront.decoration.models import Page

urlpatterns = urls_with_baseline()


def ten_blocks(banner_id, coupon_offer: str):
    return {
        "schema_version": 1,
        "sections": [
            new_section("notice_bar", {"text": "线上办理顺丰包邮", "link": "", "tone": "info"}),
            new_section(
                "banner",
                {
                    "autoplay": True,
                    "interval": 4,
                    "items": [{"image": banner_id, "alt": "横幅", "link": "category:phones"}],
                },
            ),
            new_section("icon_grid"),
            new_section(
                "product_grid",
                {"title": "热门套餐", "source": "kind", "value": "plan", "sort": "popular", "limit": 6, "columns": 2},
            ),
            new_section("coupon", {"title": "立减", "offer": coupon_offer}),
            new_section("number_search"),
            new_section(
                "product_grid",
                {
                    "title": "5G 手机",
                    "source": "category",
                    "value": "phones",
                    "sort": "recommended",
                    "limit": 6,
                    "columns": 3,
                },
            ),
            new_section("spacer", {"height": 16, "divider": True}),
            new_section("rich_text", {"html": "<h3>服务承诺</h3><ul><li>实名办理</li></ul>"}),
            new_section("notice_bar", {"text": "客服热线 10000", "link": "", "tone": "info"}),
        ],
    }


def decorate_shop() -> None:
    """In the carrier's schema: the demo catalogue, a theme and the ten-block home page."""
    seed_catalogue([("guangzhou", "广州", "广东")])
    services.publish_theme({"primary": "#0B57A4"})
    banner = services.upload_asset(
        SimpleUploadedFile("b.png", logo_png("BANNER", "#0B57A4", (750, 300), 64), "image/png"), "banner"
    )
    discounted = Offer.objects.on_sale().filter(sale_price__lt=F("list_price")).first()
    services.publish_document(Page.Kind.HOME, "home", "首页", ten_blocks(banner.pk, discounted.slug))


def main():
    carrier = fresh_carrier("benchdeco")
    with schema_context(carrier.schema_name):
        decorate_shop()
    connection.set_schema_to_public()
    cache.clear()
    client = Client(HTTP_HOST="benchdeco.localhost")
    with override_settings(ROOT_URLCONF=__name__):
        bare = requests_per_second(client, "/bench-list/")
        home = requests_per_second(client, "/")
        warm = query_count(client, "/")
        print(f"bare view, 20-row ORM list:                  {bare:7.0f} req/s")
        print(f"decorated home, 10 blocks incl. 2 grids:     {home:7.0f} req/s  ratio {home / bare:.2f}")
        print(f"SQL statements per home render (structure cached): {warm}")
        cache.clear()
        print(f"SQL statements on a cold cache (first render after publish): {query_count(client, '/')}")
    carrier.delete(force_drop=True)


if __name__ == "__main__":
    main()
