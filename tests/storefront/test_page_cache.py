"""Cached shop pages (core.fragments): every change a subscriber must see shows at the next
request — a publish, a price change, a variant selling out and coming back, an offer taken off
sale by staff or by its own window — and what is the visitor's own (CSRF token, compare list,
language, city) is never shared."""

import datetime as dt
import re
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Offer, OfferVariant
from core import fragments
from core.caches import BoundedTTLCache
from storefront.decoration import documents, services
from storefront.decoration.blocks import REGISTRY
from storefront.decoration.models import Page
from tests.support.clients import host_client

HOST = "alpha.localhost"


def _grid_home(title: str) -> dict:
    grid = documents.new_section(
        "product_grid", dict(REGISTRY["product_grid"].defaults, source="kind", value="plan", title=title, limit=20)
    )
    notice = documents.new_section("notice_bar", {"text": title + "公告", "link": "", "tone": "info"})
    return {"schema_version": 1, "sections": [notice, grid]}


def _page(client, path: str = "/") -> str:
    return client.get(path).content.decode()


def _offer_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return sum('"catalog_' in q["sql"] or '"shop_' in q["sql"] for q in ctx.captured_queries)


def test_a_publish_shows_at_once_and_the_cached_home_asks_the_database_nothing(in_carrier_a):
    services.publish_document(Page.Kind.HOME, "home", "首页", _grid_home("第一版"))
    client = host_client(HOST)
    assert "第一版公告" in _page(client)
    assert _offer_queries(client, "/") == 0  # the sections, the theme and the page come from the cache
    services.publish_document(Page.Kind.HOME, "home", "首页", _grid_home("第二版"))
    body = _page(client)
    assert "第二版公告" in body and "第一版公告" not in body


def test_a_price_change_shows_on_home_listing_and_offer_page_at_once(in_carrier_a):
    services.publish_document(Page.Kind.HOME, "home", "首页", _grid_home("价格"))
    offer = Offer.objects.on_sale().filter(kind="plan").first()
    client = host_client(HOST)
    before = [_page(client, p) for p in ("/", "/catalogue/", f"/offers/{offer.slug}/")]
    assert all(offer.name in b for b in before)
    offer.sale_price = offer.sale_price - 7  # staff change the price (the admin saves the offer)
    offer.save()
    price = f"¥{offer.sale_price:.2f}".rstrip("0").rstrip(".")
    for path in ("/", "/catalogue/", f"/offers/{offer.slug}/"):
        assert price in _page(client, path), path


def test_staff_taking_an_offer_off_sale_shows_at_once(in_carrier_a):
    offer = Offer.objects.on_sale().filter(kind="plan").first()
    client = host_client(HOST)
    assert client.get(f"/offers/{offer.slug}/").status_code == 200
    assert offer.name in _page(client, "/catalogue/")
    catalog_services.set_status(Offer.objects.filter(pk=offer.pk), Offer.Status.OFF_SALE)  # the admin's action
    assert client.get(f"/offers/{offer.slug}/").status_code == 404
    assert offer.name not in _page(client, "/catalogue/")
    catalog_services.set_status(Offer.objects.filter(pk=offer.pk), Offer.Status.ON_SALE)
    assert client.get(f"/offers/{offer.slug}/").status_code == 200


def test_an_offer_whose_window_closes_leaves_the_cached_pages_on_time(in_carrier_a):
    offer = Offer.objects.on_sale().filter(kind="plan").first()
    offer.publish_end = timezone.now() + dt.timedelta(seconds=2)  # nothing is saved when it passes
    offer.save()
    client = host_client(HOST)
    assert client.get(f"/offers/{offer.slug}/").status_code == 200
    assert offer.name in _page(client, "/catalogue/")
    time.sleep(2.2)
    assert client.get(f"/offers/{offer.slug}/").status_code == 404
    assert offer.name not in _page(client, "/catalogue/")


def test_the_last_unit_sold_and_returned_shows_at_once(in_carrier_a):
    variant = OfferVariant.objects.filter(stock__gt=0).select_related("offer").first()
    variant.stock = 1
    variant.save()
    client = host_client(HOST)
    path = f"/offers/{variant.offer.slug}/"
    radio = re.compile(rf'value="{variant.pk}"\s*disabled')
    assert not radio.search(_page(client, path))
    assert catalog_services.take_stock(variant.pk, 1)  # the checkout's conditional UPDATE
    assert not catalog_services.take_stock(variant.pk, 1)
    assert radio.search(_page(client, path)), "the sold-out variant must be disabled"
    catalog_services.return_stock(variant.pk, 1)  # an unpaid order expires
    assert not radio.search(_page(client, path))


def test_what_is_the_visitors_own_is_not_shared(in_carrier_a):
    offer = Offer.objects.on_sale().filter(kind="plan").first()
    first, second = host_client(HOST), host_client(HOST)
    first.post("/compare/add/", {"offer": offer.pk})
    a, b = _page(first, "/catalogue/"), _page(second, "/catalogue/")
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(a) and token.search(b) and fragments.CSRF_HOLE not in a + b
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    assert "已加入对比" in a and "已加入对比" not in b
    english = host_client(HOST)
    english.cookies["django_language"] = "en"
    assert "Catalogue" in _page(english, "/catalogue/") and "Catalogue" not in b


def test_the_in_process_copies_are_bounded():
    lru: BoundedTTLCache[tuple, str] = BoundedTTLCache(max_entries=3, max_bytes=10)
    for i in range(5):
        lru.set(("k", i), "x", 60)
    assert len(lru) == 3 and lru.get(("k", 0)) is None and lru.get(("k", 4)) == "x"
    lru.set(("big",), "y" * 9, 60)
    assert lru.size_bytes <= 10
    lru.set(("gone",), "z", -1)
    assert lru.get(("gone",)) is None


def test_pages_render_and_staff_can_save_while_redis_is_down(in_carrier_a, monkeypatch):
    import redis

    def down(*args, **kwargs):
        raise redis.ConnectionError("Redis is down")

    offer = Offer.objects.on_sale().filter(kind="plan").first()
    client = host_client(HOST)
    monkeypatch.setattr(fragments.cache, "get_many", down)
    monkeypatch.setattr(fragments.cache, "set_many", down)
    offer.sale_price = offer.sale_price - 3  # the save's bump cannot reach Redis: the save still stands
    offer.save()
    for path in ("/", "/catalogue/", f"/offers/{offer.slug}/", "/numbers/"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert offer.name in _page(client, "/catalogue/")


def test_the_csrf_placeholder_is_filled_only_in_token_fields(in_carrier_a):
    offer = Offer.objects.on_sale().filter(kind="plan").first()
    offer.description = f'<p><a href="https://example.com/?t={fragments.CSRF_HOLE}">看看</a></p>'
    offer.save()
    client = host_client(HOST)
    body = _page(client, f"/offers/{offer.slug}/")
    token = client.cookies["csrftoken"].value
    assert f"?t={fragments.CSRF_HOLE}" in body  # staff text keeps it: no visitor's token leaves in a link
    assert 'name="csrfmiddlewaretoken" value="' in body and f'value="{fragments.CSRF_HOLE}"' not in body
    assert token


def test_parameters_a_listing_does_not_read_share_its_cached_page(in_carrier_a):
    client = host_client(HOST)
    client.get("/catalogue/?utm_source=a")
    before = len(fragments.LOCAL)
    for i in range(5):
        assert client.get(f"/catalogue/?utm_source=x{i}").status_code == 200
    assert len(fragments.LOCAL) == before  # no entry per stranger parameter
    body = _page(client, "/catalogue/?utm_source=zzz")
    picker = body[body.index('class="city-picker"') :]
    assert picker.split("</form>")[0].count('name="next" value="/catalogue/"') == 1  # nor written into it
