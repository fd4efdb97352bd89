"""TMF622 over checkout: a partner places, reads and cancels orders; prepaid partners' orders start
paid; the order states in TMF's words; idempotency and refusals as the shop's."""

from decimal import Decimal

import pytest

from orders.models import Order
from tests.support.orders import ID_NUMBER, NAME, free_number
from tests.support.promotions import device_offer
from tests.support.tmf import ADDRESS, bearer, device_order, partner_token, post_json

BASE = "/tmf-api/productOrderingManagement/v4/"


@pytest.fixture
def phone(quick):
    return device_offer(Decimal("199"))


def test_place_read_and_cancel_an_order(client_a, phone):
    offer, variant = phone
    _token, secret = partner_token("order:read", "order:write")
    response = post_json(client_a, f"{BASE}productOrder", device_order(offer.pk, variant.pk, externalId="P-1"), secret)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "acknowledged" and body["@type"] == "ProductOrder"
    assert body["relatedParty"][0]["id"] == "456-dd-df45" and body["orderDate"].endswith("Z")
    assert body["productOrderItem"][0]["productOffering"]["id"] == str(offer.pk)
    assert "/pay/" in body["payment"][0]["href"]
    again = post_json(client_a, f"{BASE}productOrder", device_order(offer.pk, variant.pk, externalId="P-1"), secret)
    assert again.json()["id"] == body["id"]  # the same externalId: the same order
    variant.refresh_from_db()
    assert variant.stock == 10_000 - 1
    listed = client_a.get(f"{BASE}productOrder?externalId=P-1", **bearer(secret))
    assert [o["id"] for o in listed.json()] == [body["id"]] and listed["X-Total-Count"] == "1"
    assert client_a.get(f"{BASE}productOrder?state=completed", **bearer(secret)).json() == []
    cancel = post_json(client_a, f"{BASE}cancelProductOrder", {"productOrder": {"id": body["id"]}}, secret)
    assert cancel.status_code == 201 and cancel.json()["state"] == "done", cancel.content
    assert client_a.get(f"{BASE}productOrder/{body['id']}", **bearer(secret)).json()["state"] == "cancelled"


def test_pay_link_lets_the_customer_pay(client_a, phone):
    offer, variant = phone
    _token, secret = partner_token("order:read", "order:write")
    body = post_json(client_a, f"{BASE}productOrder", device_order(offer.pk, variant.pk), secret).json()
    link = body["payment"][0]["href"].split("localhost", 1)[1].lstrip(":0123456789")
    page = client_a.get(link)
    assert page.status_code == 200 and "¥199" in page.content.decode()
    other = body["id"][:-1] + ("1" if body["id"][-1] != "1" else "2")
    assert client_a.get(link.replace(body["id"], other)).status_code == 404  # another order's number
    forged = link.rsplit("/", 2)[0] + "/forged/"
    assert client_a.get(forged).status_code == 404


def test_prepaid_partner_orders_start_paid(client_a, phone):
    offer, variant = phone
    _token, secret = partner_token("order:read", "order:write", "order:prepaid", username="mall")
    body = post_json(client_a, f"{BASE}productOrder", device_order(offer.pk, variant.pk), secret).json()
    assert body["state"] == "inProgress" and "payment" not in body
    order = Order.objects.get(number=body["id"])
    assert order.paid_at is not None or order.status != "awaiting_payment"
    assert order.events.filter(action="paid", actor_label="partner").exists()


def test_new_sim_with_identity_and_number(client_a, quick):
    from tests.support.orders import fresh_id

    _token, secret = partner_token("order:read", "order:write")
    number = free_number()
    chars = ADDRESS + [
        {"name": "number", "value": number},
        {"name": "holderName", "value": NAME},
        {"name": "holderIdNumber", "value": fresh_id()},
        {"name": "agreementsAccepted", "value": True},
        {"name": "termsAccepted", "value": True},
    ]
    from catalog.models import Offer

    sim = Offer.objects.get(slug="sim-1")
    order = {
        "productOrderItem": [
            {"id": "a", "productOffering": {"id": str(sim.pk)}, "product": {"productCharacteristic": chars}}
        ]
    }
    response = post_json(client_a, f"{BASE}productOrder", order, secret)
    assert response.status_code == 201, response.content
    item = response.json()["productOrderItem"][0]
    assert (
        item["id"] == "a"
        and {"name": "number", "value": number, "valueType": "string"} in item["product"]["productCharacteristic"]
    )
    taken = post_json(client_a, f"{BASE}productOrder", order, secret)  # the same number again
    assert taken.status_code == 409 and taken.json()["@type"] == "Error"
    missing = [c for c in chars if c["name"] != "agreementsAccepted"]
    other = free_number()
    missing = [c if c["name"] != "number" else {"name": "number", "value": other} for c in missing]
    refused = post_json(
        client_a,
        f"{BASE}productOrder",
        {"productOrderItem": [{"productOffering": {"id": str(sim.pk)}, "product": {"productCharacteristic": missing}}]},
        secret,
    )
    assert refused.status_code == 400 and "agreementsAccepted" in refused.json()["message"]
    from numberpool.models import MobileNumber

    assert MobileNumber.objects.get(number=other).status == "available"  # the refused order's hold went back
    assert ID_NUMBER not in response.content.decode()


def test_bad_orders_are_explained(client_a, phone):
    _token, secret = partner_token("order:read", "order:write")
    assert post_json(client_a, f"{BASE}productOrder", {}, secret).status_code == 400
    unknown = post_json(
        client_a, f"{BASE}productOrder", {"productOrderItem": [{"productOffering": {"id": "999999"}}]}, secret
    )
    assert unknown.status_code == 422 and unknown.json()["status"] == "422"
    bad_json = client_a.generic("POST", f"{BASE}productOrder", "{", content_type="application/json", **bearer(secret))
    assert bad_json.status_code == 400 and bad_json.json()["@type"] == "Error"
    _reader, reader = partner_token("order:read", username="reader")
    assert post_json(client_a, f"{BASE}productOrder", {}, reader).status_code == 403
    assert client_a.get(f"{BASE}productOrder/nope", **bearer(secret)).status_code == 404


def test_one_id_five_numbers_applies_to_partners(client_a, quick):
    from catalog.models import Offer
    from tests.support.orders import fresh_id

    _token, secret = partner_token("order:read", "order:write")
    sim = Offer.objects.get(slug="sim-1")
    holder = fresh_id()

    def order_for(number):
        chars = ADDRESS + [
            {"name": "number", "value": number},
            {"name": "holderName", "value": NAME},
            {"name": "holderIdNumber", "value": holder},
            {"name": "agreementsAccepted", "value": "true"},
            {"name": "termsAccepted", "value": "true"},
        ]
        item = {"productOffering": {"id": str(sim.pk)}, "product": {"productCharacteristic": chars}}
        return post_json(client_a, f"{BASE}productOrder", {"productOrderItem": [item]}, secret)

    answers = [order_for(free_number()).status_code for _ in range(6)]
    assert answers[:5] == [201] * 5 and answers[5] in (409, 422), answers
