"""TMF637 over the BSS's products of a number: partners see the numbers they sold, staff any number
one at a time, personal data masked."""

import json

import pytest

from tests.support.telecom import MAIN
from tests.support.tmf import bearer, partner_token
from tests.support.tmf_schema import conforms
from tests.support.tmf_subscribers import partner_account, sold_number, staff_account

BASE = "/tmf-api/productInventory/v4/"


@pytest.fixture
def sold(quick):
    user = partner_account("partner")
    order, number = sold_number(user)
    _token, secret = partner_token("inventory:read", username="partner")
    return user, number, secret


def _get(client, path, secret):
    response = client.get(path, **bearer(secret))
    assert response.status_code == 200, response.content
    return response


def test_partner_lists_the_products_of_numbers_it_sold(client_a, sold):
    from catalog.models import Offer

    user, number, secret = sold
    response = _get(client_a, f"{BASE}product", secret)
    products = response.json()
    assert response["X-Total-Count"] == "3" and response["X-Result-Count"] == "3"
    by_code = {p["productSerialNumber"]: p for p in products}
    plan = Offer.objects.filter(kind="plan").order_by("pk").first()
    first = by_code[plan.slug]
    assert first["@type"] == "Product" and first["id"] == f"{number}-{plan.slug}"
    assert first["href"] == f"http://alpha.localhost{BASE}product/{number}-{plan.slug}"
    assert first["publicIdentifier"] == number and first["status"] == "active"
    assert first["productOffering"]["id"] == str(plan.pk)
    assert first["productOffering"]["href"].endswith(f"/tmf-api/productCatalogManagement/v4/productOffering/{plan.pk}")
    assert {"name": "MSISDN", "valueType": "string", "value": number} in first["productCharacteristic"]
    assert first["startDate"].endswith("Z") and first["terminationDate"] is None
    assert by_code["crbt"]["status"] == "active" and "productOffering" not in by_code["crbt"]
    assert by_code["callnote"]["status"] == "pendingTerminate" and by_code["callnote"]["terminationDate"].endswith("Z")
    roles = {p["role"]: p for p in first["relatedParty"]}
    assert roles["buyer"]["id"] == str(user.pk)
    assert roles["holder"]["name"] == "张*"
    from openapi_tmf.inventory import PRODUCT

    conforms(PRODUCT, *products)
    text = json.dumps(products, ensure_ascii=False)
    assert "张三" not in text and "11010519491231002X" not in text  # the holder's name and ID never leave

    item = _get(client_a, f"{BASE}product/{number}-crbt?fields=status", secret).json()
    assert item == {"id": f"{number}-crbt", "href": by_code["crbt"]["href"], "@type": "Product", "status": "active"}
    pending = _get(client_a, f"{BASE}product?status=pendingTerminate", secret).json()
    assert [p["productSerialNumber"] for p in pending] == ["callnote"]
    assert len(_get(client_a, f"{BASE}product?publicIdentifier={number}", secret).json()) == 3
    assert _get(client_a, f"{BASE}product?limit=1&offset=1", secret)["X-Result-Count"] == "1"


def test_partner_sees_no_other_number(client_a, sold):
    _user, number, secret = sold
    assert _get(client_a, f"{BASE}product?publicIdentifier={MAIN}", secret).json() == []
    hidden = client_a.get(f"{BASE}product/{MAIN}-plan", **bearer(secret))
    assert hidden.status_code == 404 and hidden.json()["@type"] == "Error"
    assert client_a.get(f"{BASE}product/{number}-nothing", **bearer(secret)).status_code == 404
    assert client_a.get(f"{BASE}product/garbage", **bearer(secret)).status_code == 404
    _t, stranger = partner_token("inventory:read", username="other-partner")
    assert _get(client_a, f"{BASE}product", stranger).json() == []
    assert client_a.get(f"{BASE}product/{number}-crbt", **bearer(stranger)).status_code == 404


def test_staff_read_any_number_one_at_a_time(client_a, sold):
    user, number, _secret = sold
    staff_account("tmf-staff")
    _t, staff = partner_token("inventory:read", username="tmf-staff")
    unfiltered = client_a.get(f"{BASE}product", **bearer(staff))
    assert unfiltered.status_code == 400 and unfiltered.json()["@type"] == "Error"
    main = _get(client_a, f"{BASE}product?publicIdentifier={MAIN}", staff).json()
    assert main and {p["publicIdentifier"] for p in main} == {MAIN}
    by_buyer = _get(client_a, f"{BASE}product?relatedParty.id={user.pk}", staff).json()
    assert {p["publicIdentifier"] for p in by_buyer} == {number}
    assert _get(client_a, f"{BASE}product?relatedParty.id={'9' * 30}", staff).json() == []
    plan = next(p for p in main if p["productSpecification"]["id"] == "kind-plan")
    assert _get(client_a, f"{BASE}product/{plan['id']}", staff).json()["id"] == plan["id"]


def test_bss_down_is_a_503_not_a_500(client_a, sold, monkeypatch):
    from selfcare import selectors

    _user, number, secret = sold
    monkeypatch.setattr(selectors, "plan_card", lambda n: selectors.NumberCard(n, primary=False, unavailable=True))
    response = client_a.get(f"{BASE}product", **bearer(secret))
    assert response.status_code == 503 and response.json()["@type"] == "Error"


def test_tokens_scopes_and_carriers(client_a, client_b, sold, carrier_b):
    from django.db import connection

    _user, number, secret = sold
    assert client_a.get(f"{BASE}product").status_code == 401
    _t, other_scope = partner_token("balance:read", username="partner")
    assert client_a.get(f"{BASE}product", **bearer(other_scope)).status_code == 403
    assert client_a.post(f"{BASE}product", {}, content_type="application/json", **bearer(secret)).status_code == 405
    assert client_b.get(f"{BASE}product", **bearer(secret)).status_code == 401  # alpha's token on beta
    connection.set_tenant(carrier_b)
    _t, beta = partner_token("inventory:read", username="partner")
    assert client_a.get(f"{BASE}product", **bearer(beta)).status_code == 401  # beta's token on alpha
