"""Hubs on the facades: a partner subscribes at an API's /hub and receives that API's TMF events,
each the document its own GET returns at that moment, signed with the subscription's secret."""

from decimal import Decimal

from integrations import delivery, signing
from tests.support.promotions import device_offer
from tests.support.receiver import Receiver
from tests.support.tmf import device_order, partner_token, post_json

ORDERING = "/tmf-api/productOrderingManagement/v4/"
CATALOG = "/tmf-api/productCatalogManagement/v4/"


def drain() -> None:
    while delivery.deliver_one() is not None:
        pass


def test_order_events_reach_a_hub_in_tmf_shape(client_a, quick):
    offer, variant = device_offer(Decimal("199"))
    _token, secret = partner_token("order:read", "order:write", "events:write")
    receiver = Receiver().start()
    try:
        hub = post_json(client_a, f"{ORDERING}hub", {"callback": receiver.url, "query": ""}, secret)
        assert hub.status_code == 201, hub.content
        placed = post_json(client_a, f"{ORDERING}productOrder", device_order(offer.pk, variant.pk), secret).json()
        post_json(client_a, f"{ORDERING}cancelProductOrder", {"productOrder": {"id": placed["id"]}}, secret)
        drain()
    finally:
        receiver.stop()
    bodies = [r.json for r in receiver.accepted]
    assert [b["eventType"] for b in bodies] == ["ProductOrderCreateEvent", "ProductOrderStateChangeEvent"]
    created, cancelled = (b["event"]["productOrder"] for b in bodies)
    assert created["id"] == placed["id"] and created["@type"] == "ProductOrder" and created["state"] == "acknowledged"
    assert created["href"].endswith(f"{ORDERING}productOrder/{placed['id']}")
    assert cancelled["state"] == "cancelled"
    for got in receiver.accepted:
        assert signing.verify(hub.json()["secret"], got.headers["X-Hall-Signature"], got.body)


def test_catalog_hub_hears_a_created_offering(client_a, in_carrier_a):
    _token, secret = partner_token("catalog:read", "catalog:write", "events:write")
    receiver = Receiver().start()
    try:
        query = "eventType=ProductOfferingCreateEvent"
        assert (
            post_json(client_a, f"{CATALOG}hub", {"callback": receiver.url, "query": query}, secret).status_code == 201
        )
        made = post_json(client_a, f"{CATALOG}productOffering", {"name": "渠道新品"}, secret).json()
        drain()
    finally:
        receiver.stop()
    [got] = receiver.accepted
    offering = got.json["event"]["productOffering"]
    assert (
        offering["id"] == made["id"] and offering["lifecycleStatus"] == "In design" and offering["name"] == "渠道新品"
    )


def test_the_first_event_of_a_partner_order_names_its_own_id(client_a, quick):
    offer, variant = device_offer(Decimal("199"))
    _token, secret = partner_token("order:read", "order:write", "order:prepaid", "events:write", username="mall")
    receiver = Receiver().start()
    try:
        query = "eventType=ProductOrderCreateEvent"
        post_json(client_a, f"{ORDERING}hub", {"callback": receiver.url, "query": query}, secret)
        post_json(client_a, f"{ORDERING}productOrder", device_order(offer.pk, variant.pk, externalId="TM-42"), secret)
        drain()
    finally:
        receiver.stop()
    [got] = receiver.accepted
    created = got.json["event"]["productOrder"]
    assert created["externalId"] == "TM-42" and created["relatedParty"][0]["id"] == "456-dd-df45"
    assert "payment" not in created  # a partner that settles never hands its customer a payment link
