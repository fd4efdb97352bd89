"""TMF654 over 我的's balance and allowances and the shop's top-up orders."""

import pytest

from tests.support.telecom import MAIN
from tests.support.tmf import bearer, partner_token, post_json
from tests.support.tmf_schema import conforms
from tests.support.tmf_subscribers import partner_account, sold_number, staff_account

BASE = "/tmf-api/prepayBalanceManagement/v4/"


@pytest.fixture
def sold(quick):
    user = partner_account("partner")
    _order, number = sold_number(user)
    _token, secret = partner_token("balance:read", "balance:write", username="partner")
    return user, number, secret


def _get(client, path, secret):
    response = client.get(path, **bearer(secret))
    assert response.status_code == 200, response.content
    return response


def _top_up(client, secret, number, value=50, **extra):
    body = {"amount": {"unit": "CNY", "value": value}, "logicalResource": [{"value": number}]}
    return post_json(client, f"{BASE}topupBalance", body, secret, **extra)


def test_buckets_of_a_sold_number(client_a, sold):
    _user, number, secret = sold
    response = _get(client_a, f"{BASE}bucket", secret)
    buckets = {b["id"]: b for b in response.json()}
    money = buckets[f"{number}-balance"]
    assert money["@type"] == "Bucket" and money["usageType"] == "monetary"
    assert money["remainingValue"] == {"amount": 42.5, "units": "CNY"}
    assert money["href"] == f"http://alpha.localhost{BASE}bucket/{number}-balance"
    assert money["logicalResource"][0]["value"] == number
    data = buckets[f"{number}-data-1"]
    assert data["remainingValue"]["units"] == "MB" and data["totalValue"] == {"amount": 10240.0, "units": "MB"}
    assert data["remainingValue"]["amount"] + data["usedValue"]["amount"] == 10240.0
    assert data["validFor"]["endDateTime"].endswith("Z")
    assert f"{number}-voice-1" in buckets and not any("-sms-" in b for b in buckets)  # no texts in the plan
    assert response["X-Total-Count"] == str(len(buckets))
    from openapi_tmf.balance import BUCKET

    conforms(BUCKET, *buckets.values())
    only_data = _get(client_a, f"{BASE}bucket?usageType=data", secret).json()
    assert [b["id"] for b in only_data] == [f"{number}-data-1"]
    assert len(_get(client_a, f"{BASE}bucket?logicalResource.value={number}", secret).json()) == len(buckets)
    one = _get(client_a, f"{BASE}bucket/{number}-balance?fields=remainingValue", secret).json()
    assert set(one) == {"id", "href", "@type", "remainingValue"}


def test_buckets_visibility(client_a, sold):
    user, number, secret = sold
    assert _get(client_a, f"{BASE}bucket?logicalResource.value={MAIN}", secret).json() == []
    assert client_a.get(f"{BASE}bucket/{MAIN}-balance", **bearer(secret)).status_code == 404
    assert client_a.get(f"{BASE}bucket/{number}-nothing", **bearer(secret)).status_code == 404
    staff_account("tmf-staff")
    _t, staff = partner_token("balance:read", username="tmf-staff")
    refused = client_a.get(f"{BASE}bucket", **bearer(staff))
    assert refused.status_code == 400 and refused.json()["@type"] == "Error"
    main = _get(client_a, f"{BASE}bucket?logicalResource.value={MAIN}", staff).json()
    assert main[0]["id"] == f"{MAIN}-balance" and main[0]["remainingValue"]["units"] == "CNY"
    mine = _get(client_a, f"{BASE}bucket?relatedParty.id={user.pk}", staff).json()
    assert {b["logicalResource"][0]["value"] for b in mine} == {number}


def test_top_up_is_an_order_with_a_payment_link(client_a, sold):
    from orders.models import Order
    from tests.support.orders import paid

    user, number, secret = sold
    response = _top_up(client_a, secret, number, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert response.status_code == 201, response.content
    topup = response.json()
    assert topup["@type"] == "TopupBalance" and topup["status"] == "created"
    assert topup["amount"] == {"unit": "CNY", "value": 50.0} and response["Location"] == topup["href"]
    pay = topup["payment"][0]
    assert f"/orders/{topup['id']}/pay/" in pay["href"] and "¥50" in pay["name"]
    assert topup["productOrder"]["href"].endswith(f"/tmf-api/productOrderingManagement/v4/productOrder/{topup['id']}")
    from openapi_tmf.balance import TOPUP

    conforms(TOPUP, topup)
    order = Order.objects.get(number=topup["id"])
    assert order.kind == "top_up" and order.user == user and order.service_number == number
    retried = _top_up(client_a, secret, number, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert retried.status_code == 201 and retried.json()["id"] == topup["id"]
    other = _top_up(client_a, secret, number, value=30, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert other.status_code == 422  # the key names another top-up

    listed = _get(client_a, f"{BASE}topupBalance", secret)
    assert [t["id"] for t in listed.json()] == [topup["id"]] and listed.json()[0]["payment"] == topup["payment"]
    assert _get(client_a, f"{BASE}topupBalance?status=created", secret).json()[0]["id"] == topup["id"]
    assert _get(client_a, f"{BASE}topupBalance?status=confirmed", secret).json() == []
    paid(order)
    item = _get(client_a, f"{BASE}topupBalance/{topup['id']}", secret).json()
    assert item["status"] == "inProgress" and item["confirmationDate"].endswith("Z") and "payment" not in item

    _t, stranger = partner_token("balance:read", "balance:write", username="stranger")
    assert client_a.get(f"{BASE}topupBalance/{topup['id']}", **bearer(stranger)).status_code == 404
    assert _get(client_a, f"{BASE}topupBalance", stranger).json() == []
    assert _top_up(client_a, stranger, number).status_code == 422  # not a number it sold
    staff_account("tmf-staff")
    _t, staff = partner_token("balance:read", username="tmf-staff")
    assert topup["id"] in [t["id"] for t in _get(client_a, f"{BASE}topupBalance", staff).json()]
    from orders.checkout.services import place_top_up
    from tests.support.orders import subscriber

    shopper = place_top_up(subscriber("13912345678"), MAIN, 30, token="from-the-shop")
    seen = _get(client_a, f"{BASE}topupBalance/{shopper.number}", staff).json()
    assert seen["requestor"]["name"] == "139****5678" and seen["logicalResource"][0]["value"] == MAIN
    assert client_a.get(f"{BASE}topupBalance/{shopper.number}", **bearer(secret)).status_code == 404


def test_prepaid_partner_gets_no_payment_link(client_a, sold):
    _user, number, _secret = sold
    _t, prepaid = partner_token("balance:write", "order:prepaid", username="partner")
    from orders.models import Order

    response = _top_up(client_a, prepaid, number)
    assert response.status_code == 201, response.content
    topup = response.json()
    assert "payment" not in topup and topup["status"] == "inProgress"  # paid: the partner settles
    order = Order.objects.get(number=topup["id"])
    assert order.status == "paid" and order.events.filter(action="paid", actor_label="partner").exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"amount": {"unit": "CNY", "value": 50}}, 400),
        ({"amount": 50, "logicalResource": [{"value": "NUMBER"}]}, 400),
        ({"amount": {"unit": "CNY", "value": True}, "logicalResource": [{"value": "NUMBER"}]}, 400),
        ({"amount": {"unit": "CNY", "value": 10.5}, "logicalResource": [{"value": "NUMBER"}]}, 422),
        ({"amount": {"unit": "CNY", "value": 1}, "logicalResource": [{"value": "NUMBER"}]}, 422),
        ({"amount": {"unit": "USD", "value": 50}, "logicalResource": [{"value": "NUMBER"}]}, 422),
        ({"amount": {"unit": "CNY", "value": 50}, "logicalResource": [{"value": "123"}]}, 422),
        ({"amount": {"unit": "CNY", "value": 50}, "logicalResource": "x"}, 400),
    ],
)
def test_top_up_bad_input(client_a, sold, body, status):
    _user, number, secret = sold
    body = {k: ([{"value": number}] if v == [{"value": "NUMBER"}] else v) for k, v in body.items()}
    response = post_json(client_a, f"{BASE}topupBalance", body, secret)
    assert response.status_code == status, response.content
    assert response.json()["@type"] == "Error"


def test_tokens_scopes_and_carriers(client_a, sold, carrier_b):
    from django.db import connection

    _user, number, secret = sold
    assert client_a.get(f"{BASE}bucket").status_code == 401
    _t, reader = partner_token("balance:read", username="partner")
    assert _top_up(client_a, reader, number).status_code == 403
    _t, inventory = partner_token("inventory:read", username="partner")
    assert client_a.get(f"{BASE}bucket", **bearer(inventory)).status_code == 403
    assert client_a.get(f"{BASE}topupBalance", **bearer(inventory)).status_code == 403
    connection.set_tenant(carrier_b)
    _t, beta = partner_token("balance:read", "balance:write", username="partner")
    assert client_a.get(f"{BASE}bucket", **bearer(beta)).status_code == 401
    assert _top_up(client_a, beta, number).status_code == 401
