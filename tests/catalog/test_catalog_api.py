"""REST API on a carrier host: catalogue (read-only) and cart, with consistent error bodies."""

import json

from django_tenants.utils import schema_context

from catalog.models import Offer
from tests.support.clients import host_client


def _json(response):
    return json.loads(response.content)


def test_offer_list_filters_and_paginates(client_a):
    body = _json(client_a.get("/api/v1/offers/", {"kind": "plan", "data_gb": "100", "sort": "price"}))
    names = [o["name"] for o in body["results"]]
    assert names == ["畅享 79 元套餐", "畅享 99 元套餐", "畅享 129 元套餐"]
    first = body["results"][0]
    assert first["sale_price"] == "79.00" and first["attributes"]["data_gb"] == 100
    everything = _json(client_a.get("/api/v1/offers/", {"page_size": 10}))
    assert everything["count"] == 33 and len(everything["results"]) == 10 and everything["next"]


def test_offer_detail_and_categories(client_a):
    detail = _json(client_a.get("/api/v1/offers/phone-1/"))
    assert detail["kind"] == "phone" and len(detail["variants"]) == 4 and "description" in detail
    categories = _json(client_a.get("/api/v1/categories/"))
    assert {c["slug"] for c in categories["results"]} >= {"plans", "phones", "broadband"}


def test_api_errors_have_one_shape(client_a):
    bad = client_a.get("/api/v1/offers/", {"min_price": "cheap", "kind": "plan"})
    assert bad.status_code == 400
    assert _json(bad)["error"]["code"] == "invalid" and "min_price" in _json(bad)["error"]["fields"]
    unknown_kind = client_a.get("/api/v1/offers/", {"kind": "spaceship"})
    assert unknown_kind.status_code == 400 and "kind" in _json(unknown_kind)["error"]["fields"]
    missing = client_a.get("/api/v1/offers/nope/")
    assert missing.status_code == 404 and _json(missing)["error"]["code"] == "not_found"
    assert client_a.get("/api/v1/offers/", {"category": "nope"}).status_code == 404


def test_cart_api_round_trip(client_a, carrier_a):
    with schema_context(carrier_a.schema_name):
        addon = Offer.objects.get(slug="addon-2")
    created = client_a.post("/api/v1/cart/lines/", {"offer": addon.pk, "quantity": 2}, content_type="application/json")
    assert created.status_code == 201, created.content
    cart = _json(created)
    assert cart["total"] == "20.00" and cart["lines"][0]["quantity"] == 2
    line_id = cart["lines"][0]["id"]
    changed = client_a.patch(f"/api/v1/cart/lines/{line_id}/", {"quantity": 3}, content_type="application/json")
    assert _json(changed)["total"] == "30.00"
    refused = client_a.patch(f"/api/v1/cart/lines/{line_id}/", {"quantity": -1}, content_type="application/json")
    assert refused.status_code == 400 and _json(refused)["error"]["code"] == "cart_refused"
    garbage = client_a.post("/api/v1/cart/lines/", {"offer": "x"}, content_type="application/json")
    assert garbage.status_code == 400 and "offer" in _json(garbage)["error"]["fields"]
    removed = client_a.delete(f"/api/v1/cart/lines/{line_id}/")
    assert _json(removed)["lines"] == [] and _json(removed)["total"] == "0.00"


def test_session_cart_api_needs_csrf(db, carrier_a):
    from django.test import Client

    client = Client(HTTP_HOST="alpha.localhost", enforce_csrf_checks=True)
    with schema_context(carrier_a.schema_name):
        addon = Offer.objects.get(slug="addon-2")
    client.get("/")  # a session cookie and a CSRF cookie
    client.cookies["sessionid"] = "made-up"  # a browser with a session
    refused = client.post("/api/v1/cart/lines/", {"offer": addon.pk}, content_type="application/json")
    assert refused.status_code == 403
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/cart/lines/", {"offer": addon.pk}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_openapi_schema_and_docs(client_a):
    schema = client_a.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = _json(schema)["paths"]
    assert "/api/v1/offers/" in paths and "/api/v1/cart/lines/" in paths
    docs = client_a.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_carrier_a_offers_never_show_on_carrier_b(client_b):
    assert _json(client_b.get("/api/v1/offers/"))["count"] == 0
    assert client_b.get("/api/v1/offers/plan-1/").status_code == 404
    assert client_b.get("/offers/plan-1/").status_code == 404
    assert "畅享" not in client_b.get("/catalogue/").content.decode()
    assert host_client("alpha.localhost").get("/offers/plan-1/").status_code == 200
