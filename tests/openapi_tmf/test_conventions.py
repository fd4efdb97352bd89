"""TMF630's conventions on the facades, and the tokens that open them."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations import tokens
from integrations.models import ApiToken
from tests.support.tmf import bearer, partner_token, patch_json, post_json

CATALOG = "/tmf-api/productCatalogManagement/v4/"


@pytest.fixture
def writer(in_carrier_a):
    return partner_token("catalog:read", "catalog:write")[1]


def test_paging_headers_and_projection(client_a, writer):
    everything = client_a.get(f"{CATALOG}productOffering", **bearer(writer))
    total = int(everything["X-Total-Count"])
    assert total == len(everything.json()) == int(everything["X-Result-Count"])
    page = client_a.get(f"{CATALOG}productOffering?offset={total - 1}&limit=5", **bearer(writer))
    assert page["X-Total-Count"] == str(total) and page["X-Result-Count"] == "1"
    assert page.json()[0]["id"] == everything.json()[-1]["id"]
    beyond = client_a.get(f"{CATALOG}productOffering?offset={total + 3}", **bearer(writer))
    assert beyond.json() == [] and beyond["X-Result-Count"] == "0"
    projected = client_a.get(f"{CATALOG}productOffering?fields=name,lifecycleStatus", **bearer(writer)).json()
    assert all(set(o) == {"id", "href", "@type", "name", "lifecycleStatus"} for o in projected)
    one = everything.json()[0]
    item = client_a.get(f"{CATALOG}productOffering/{one['id']}?fields=lastUpdate", **bearer(writer)).json()
    assert set(item) == {"id", "href", "@type", "lastUpdate"}
    bad = client_a.get(f"{CATALOG}productOffering?limit=many", **bearer(writer))
    assert bad.status_code == 400 and bad.json()["@type"] == "Error" and bad.json()["status"] == "400"


def test_filters_on_attributes_times_and_paths(client_a, writer):
    offers = client_a.get(f"{CATALOG}productOffering", **bearer(writer)).json()
    one = offers[0]
    assert [o["id"] for o in client_a.get(f"{CATALOG}productOffering?id={one['id']}", **bearer(writer)).json()] == [
        one["id"]
    ]
    named = client_a.get(f"{CATALOG}productOffering", {"name": one["name"]}, **bearer(writer)).json()
    assert named and all(o["name"] == one["name"] for o in named)
    stamp = one["lastUpdate"]
    assert stamp.endswith("Z") and "+" not in stamp and len(stamp) == 24  # 2026-12-08T01:02:03.456Z
    exact = client_a.get(f"{CATALOG}productOffering?lastUpdate={stamp}", **bearer(writer)).json()
    assert one["id"] in [o["id"] for o in exact]
    later = client_a.get(f"{CATALOG}productOffering?lastUpdate.gt={stamp}", **bearer(writer)).json()
    assert one["id"] not in [o["id"] for o in later]
    offset = stamp.replace("Z", "+00:00")  # a raw + arrives as a space: still understood
    assert client_a.get(f"{CATALOG}productOffering?lastUpdate={offset}", **bearer(writer)).status_code == 200
    either = client_a.get(f"{CATALOG}productOffering?lifecycleStatus=Launched,Retired", **bearer(writer)).json()
    assert {o["lifecycleStatus"] for o in either} <= {"Launched", "Retired"}
    kind = one["productSpecification"]["id"]
    by_path = client_a.get(f"{CATALOG}productOffering?productSpecification.id={kind}", **bearer(writer)).json()
    assert by_path and all(o["productSpecification"]["id"] == kind for o in by_path)
    assert client_a.get(f"{CATALOG}productOffering?lastUpdate=yesterday", **bearer(writer)).status_code == 400


def test_hrefs_types_and_no_trailing_slash_redirects(client_a, writer):
    listed = client_a.get(f"{CATALOG}productSpecification", **bearer(writer))
    assert listed.status_code == 200
    for spec in listed.json():
        assert spec["@type"] == "ProductSpecification"
        assert spec["href"] == f"http://alpha.localhost{CATALOG}productSpecification/{spec['id']}"
        assert client_a.get(spec["href"].removeprefix("http://alpha.localhost"), **bearer(writer)).status_code == 200
    slashed = client_a.get(f"{CATALOG}productSpecification/", **bearer(writer))
    assert slashed.status_code == 200  # served, not redirected
    assert client_a.get(f"{CATALOG}nothing", **bearer(writer)).json()["@type"] == "Error"


def test_merge_patch_and_plain_json(client_a, writer):
    made = post_json(client_a, f"{CATALOG}productSpecification", {"name": "甲", "brand": "乙"}, writer)
    assert made.status_code == 201 and made["Location"] == made.json()["href"]
    path = f"{CATALOG}productSpecification/{made.json()['id']}"
    merged = patch_json(client_a, path, {"description": "丙", "brand": None}, writer)
    assert merged.status_code == 200 and merged.json()["description"] == "丙" and merged.json()["name"] == "甲"
    plain = patch_json(client_a, path, {"name": "丁"}, writer, content_type="application/json")
    assert plain.status_code == 200 and plain.json()["name"] == "丁"
    xml = client_a.generic("PATCH", path, "<a/>", content_type="application/xml", **bearer(writer))
    assert xml.status_code == 415 and xml.json()["@type"] == "Error"
    assert patch_json(client_a, path, ["not", "an", "object"], writer).status_code == 400
    built_in = patch_json(client_a, f"{CATALOG}productSpecification/kind-plan", {"name": "x"}, writer)
    assert built_in.status_code == 409 and built_in.json()["reason"] == "Conflict"
    assert client_a.delete(path, **bearer(writer)).status_code == 204
    assert client_a.get(path, **bearer(writer)).status_code == 404
    assert post_json(client_a, f"{CATALOG}productSpecification", {"brand": "x"}, writer).status_code == 400
    foreign = post_json(
        client_a, f"{CATALOG}productOfferingPrice", {"name": "x", "price": {"unit": "USD", "value": 1}}, writer
    )
    assert foreign.status_code == 422


def test_tokens_expire_revoke_and_record_use(client_a, in_carrier_a):
    token, secret = partner_token("catalog:read", username="expiring", days=1)
    assert token.digest != secret and secret not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    assert client_a.get(f"{CATALOG}catalog", **bearer(secret)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client_a.get(f"{CATALOG}catalog", **bearer(secret)).status_code == 401
    other, other_secret = partner_token("catalog:read", username="revoked")
    tokens.revoke(other)
    refused = client_a.get(f"{CATALOG}catalog", **bearer(other_secret))
    assert refused.status_code == 401 and refused.json()["@type"] == "Error" and "Bearer" in refused["WWW-Authenticate"]
    assert client_a.get(f"{CATALOG}catalog", HTTP_AUTHORIZATION="Bearer").status_code == 401
    assert client_a.get(f"{CATALOG}catalog", HTTP_AUTHORIZATION="Token abc").status_code == 401


def test_per_token_rate_limit(client_a, in_carrier_a):
    token, secret = partner_token("catalog:read", username="hasty")
    ApiToken.objects.filter(pk=token.pk).update(rate_per_minute=3)
    answers = [client_a.get(f"{CATALOG}catalog", **bearer(secret)).status_code for _ in range(5)]
    assert answers[:3] == [200, 200, 200] and 429 in answers[3:]
    limited = client_a.get(f"{CATALOG}catalog", **bearer(secret))
    if limited.status_code == 429:  # unless the minute just turned
        assert int(limited["Retry-After"]) <= 60 and limited.json()["@type"] == "Error"


def test_only_a_valid_token_turns_csrf_off(client_a, in_carrier_a):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.support.orders import subscriber

    user = subscriber()
    browser = APIClient(enforce_csrf_checks=True, HTTP_HOST="alpha.localhost")
    browser.force_login(user)
    assert browser.post("/api/v1/cart/lines/", {"offer": 1}, format="json").status_code == 403
    junk = browser.post("/api/v1/cart/lines/", {"offer": 1}, format="json", HTTP_AUTHORIZATION="Token junk")
    assert junk.status_code in (401, 403)
    _token, secret = tokens.issue(user, "own", ["order:write"])
    partner = browser.post("/api/v1/cart/lines/", {"offer": 1}, format="json", **bearer(secret))
    assert partner.status_code == 403  # a partner's token opens /tmf-api/ only: no way around CSRF here
    app = Token.objects.create(user=user)
    valid = browser.post("/api/v1/cart/lines/", {"offer": 999999}, format="json", HTTP_AUTHORIZATION=f"Token {app.key}")
    assert valid.status_code not in (401, 403)  # a proven client: no CSRF token needed


def test_hub_events_are_only_the_partners_own(client_a, quick):
    from decimal import Decimal

    from integrations import delivery
    from tests.support.promotions import device_offer
    from tests.support.receiver import Receiver
    from tests.support.tmf import device_order

    offer, variant = device_offer(Decimal("99"))
    _a, seller = partner_token("order:read", "order:write", "events:write", username="seller")
    _b, snoop = partner_token("order:read", "events:write", username="snoop")
    receiver = Receiver().start()
    try:
        post_json(client_a, "/tmf-api/productOrderingManagement/v4/hub", {"callback": receiver.url + "?a"}, seller)
        post_json(client_a, "/tmf-api/productOrderingManagement/v4/hub", {"callback": receiver.url + "?b"}, snoop)
        post_json(
            client_a, "/tmf-api/productOrderingManagement/v4/productOrder", device_order(offer.pk, variant.pk), seller
        )
        while delivery.deliver_one() is not None:
            pass
    finally:
        receiver.stop()
    assert len(receiver.accepted) == 1  # the seller's hub only: the snoop's account placed nothing
    _c, blind = partner_token("events:write", username="blind")
    refused = post_json(client_a, "/tmf-api/productOrderingManagement/v4/hub", {"callback": receiver.url}, blind)
    assert refused.status_code == 403 and "order:read" in refused.json()["message"]


def test_head_needs_the_read_scope(client_a, in_carrier_a):
    _token, writer = partner_token("order:write", username="writer-only")
    assert client_a.head("/tmf-api/productOrderingManagement/v4/productOrder", **bearer(writer)).status_code == 403


def test_create_api_token_prints_the_token_last(in_carrier_a):
    from django.contrib.auth import get_user_model
    from django.db import connection

    get_user_model().objects.get_or_create(username="mall")
    out = io.StringIO()
    connection.set_schema_to_public()
    call_command(
        "create_api_token", carrier="alpha", username="mall", scopes=["order:read,order:write"], days=30, stdout=out
    )
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("hall_alpha_")
    connection.set_tenant(in_carrier_a)
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    assert token.scopes == ["order:read", "order:write"] and token.expires_at is not None
    connection.set_schema_to_public()
    with pytest.raises(Exception, match="everything"):
        call_command("create_api_token", carrier="alpha", username="mall", scopes=["everything"], stdout=io.StringIO())
    with pytest.raises(Exception, match="nobody"):
        call_command("create_api_token", carrier="alpha", username="nobody", stdout=io.StringIO())


def test_staff_issue_a_token_in_the_admin_and_see_it_once(client_a, in_carrier_a):
    from django.contrib.auth import get_user_model

    from tests.support.clients import STAFF_PASSWORD, sign_in

    admin = get_user_model().objects.create_superuser("boss", password=STAFF_PASSWORD)
    assert sign_in(client_a, "boss", STAFF_PASSWORD)
    response = client_a.post(
        "/admin/integrations/apitoken/add/",
        {
            "name": "天猫旗舰店",
            "user": admin.pk,
            "scopes": ["order:read", "order:write"],
            "days": 90,
            "rate_per_minute": 600,
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    secret = next(re.search(r"hall_alpha_\S+", m).group() for m in shown if "hall_alpha_" in m)
    token = ApiToken.objects.get(name="天猫旗舰店")
    assert token.digest == tokens.digest(secret) and token.scopes == ["order:read", "order:write"]
    page = client_a.get(f"/admin/integrations/apitoken/{token.pk}/change/").content.decode()
    assert secret not in page
    client_a.post("/admin/integrations/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None
