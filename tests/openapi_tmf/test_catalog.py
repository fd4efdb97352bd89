"""TMF620 over the catalogue: offerings, specifications, prices, categories, with TMF630's conventions."""

from decimal import Decimal

import pytest

from tests.support.tmf import bearer, partner_token, patch_json, post_json

BASE = "/tmf-api/productCatalogManagement/v4/"


@pytest.fixture
def writer(in_carrier_a):
    return partner_token("catalog:read", "catalog:write")[1]


def test_offerings_list_with_tmf630_conventions(client_a, writer):
    response = client_a.get(f"{BASE}productOffering?limit=2&offset=1", **bearer(writer))
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body) == 2 and response["X-Result-Count"] == "2"
    assert int(response["X-Total-Count"]) > 2
    first = body[0]
    assert first["@type"] == "ProductOffering"
    assert first["href"] == f"http://alpha.localhost{BASE}productOffering/{first['id']}"
    assert first["lastUpdate"].endswith("Z") and first["productSpecification"]["id"].startswith("kind-")
    projected = client_a.get(f"{BASE}productOffering?fields=name&limit=1", **bearer(writer)).json()[0]
    assert set(projected) == {"id", "href", "@type", "name"}
    by_update = client_a.get(f"{BASE}productOffering?lastUpdate={first['lastUpdate']}", **bearer(writer)).json()
    assert first["id"] in [o["id"] for o in by_update]
    launched = client_a.get(f"{BASE}productOffering?lifecycleStatus=Launched", **bearer(writer)).json()
    assert launched and {o["lifecycleStatus"] for o in launched} == {"Launched"}


def test_create_patch_delete_offering_with_a_price(client_a, writer):
    price = post_json(
        client_a,
        f"{BASE}productOfferingPrice",
        {"name": "月费", "priceType": "recurring", "price": {"unit": "CNY", "value": 59}},
        writer,
    )
    assert price.status_code == 201, price.content
    created = post_json(
        client_a,
        f"{BASE}productOffering",
        {
            "name": "渠道专享手机",
            "productSpecification": {"id": "9881", "name": "Robotics999", "@referredType": "DeviceSpecification"},
            "productOfferingPrice": [{"id": price.json()["id"]}],
        },
        writer,
    )
    assert created.status_code == 201, created.content
    offering = created.json()
    assert offering["lifecycleStatus"] == "In design" and offering["productSpecification"]["id"] == "9881"
    assert created["Location"] == offering["href"]
    from catalog.models import Offer

    offer = Offer.objects.get(pk=int(offering["id"]))
    assert offer.status == "draft" and offer.sale_price == Decimal("59.00")
    patched = patch_json(client_a, f"{BASE}productOffering/{offering['id']}", {"name": "改名"}, writer)
    assert patched.status_code == 200 and patched.json()["name"] == "改名"
    launch = patch_json(client_a, f"{BASE}productOffering/{offering['id']}", {"lifecycleStatus": "Launched"}, writer)
    assert launch.status_code == 422 and launch.json()["@type"] == "Error"
    assert client_a.delete(f"{BASE}productOffering/{offering['id']}", **bearer(writer)).status_code == 204
    gone = client_a.get(f"{BASE}productOffering/{offering['id']}", **bearer(writer))
    assert gone.status_code == 404 and gone.json()["status"] == "404"


def test_specifications_and_prices(client_a, writer):
    specs = client_a.get(f"{BASE}productSpecification", **bearer(writer)).json()
    plan = next(s for s in specs if s["id"] == "kind-plan")
    assert {c["name"] for c in plan["productSpecCharacteristic"]} >= {"data_gb", "voice_minutes"}
    made = post_json(client_a, f"{BASE}productSpecification", {"name": "Cisco Firepower NGFW"}, writer)
    assert made.status_code == 201
    found = client_a.get(f"{BASE}productSpecification?name=Cisco Firepower NGFW", **bearer(writer)).json()
    assert [s["id"] for s in found] == [made.json()["id"]]
    prices = client_a.get(f"{BASE}productOfferingPrice?priceType=recurring", **bearer(writer)).json()
    assert prices and all(p["priceType"] == "recurring" for p in prices)


def test_tokens_scopes_and_carriers(client_a, client_b, in_carrier_a):
    _token, reader = partner_token("catalog:read", username="reader")
    assert client_a.get(f"{BASE}productOffering").status_code == 401
    assert post_json(client_a, f"{BASE}productSpecification", {"name": "x"}, reader).status_code == 403
    assert client_a.get(f"{BASE}productOffering", **bearer(reader)).status_code == 200
    assert client_b.get(f"{BASE}productOffering", **bearer(reader)).status_code == 401  # alpha's token on beta


def test_partners_change_only_what_they_created(client_a, in_carrier_a):
    from catalog.models import Offer

    _a, mine = partner_token("catalog:read", "catalog:write", username="maker")
    _b, other = partner_token("catalog:read", "catalog:write", username="other")
    made = post_json(client_a, f"{BASE}productOffering", {"name": "我的草稿"}, mine).json()
    shop = Offer.objects.filter(status="on_sale").first()
    cheap = post_json(
        client_a, f"{BASE}productOfferingPrice", {"name": "¥0.01", "price": {"value": 0.01}}, other
    ).json()
    for secret, target in ((other, made["id"]), (other, str(shop.pk)), (mine, str(shop.pk))):
        refused = patch_json(
            client_a, f"{BASE}productOffering/{target}", {"productOfferingPrice": [{"id": cheap["id"]}]}, secret
        )
        assert refused.status_code == 403, refused.content
        assert client_a.delete(f"{BASE}productOffering/{target}", **bearer(secret)).status_code == 403
        assert (
            patch_json(client_a, f"{BASE}productOffering/{target}", {"lifecycleStatus": "Retired"}, secret).status_code
            == 403
        )
    assert patch_json(client_a, f"{BASE}productOfferingPrice/{cheap['id']}", {"name": "x"}, mine).status_code == 403
    shop.refresh_from_db()
    assert shop.status == "on_sale" and shop.sale_price > 1
    assert patch_json(client_a, f"{BASE}productOffering/{made['id']}", {"name": "改过的草稿"}, mine).status_code == 200
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="other").update(is_staff=True)  # a staff integration may
    assert patch_json(client_a, f"{BASE}productOffering/{made['id']}", {"name": "员工改"}, other).status_code == 200
