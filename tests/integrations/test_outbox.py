"""The outbox: events are written in the change's transaction, to the subscriptions that want them,
with Hall's masked JSON; nothing at all (no query) without subscriptions; signatures and callbacks."""

import time

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from integrations import callbacks, outbox, signing
from integrations.models import Delivery, OutboxEvent, Subscription
from orders.events import Action
from orders.states import transition
from tests.support.outbox import shipping_order, webhook
from tests.support.receiver import Receiver

URL = "http://127.0.0.1:9/hook"


class Boom(Exception):
    pass


@pytest.fixture
def tmf_renderers():
    """A stand-in for openapi_tmf's TMF renderers (that app registers the real ones)."""
    saved = dict(outbox._RENDERERS)
    outbox.register_renderer("order", "tmf", lambda o: {"id": str(o.pk), "state": o.status, "@type": "ProductOrder"})
    yield
    outbox._RENDERERS.clear()
    outbox._RENDERERS.update(saved)


def test_no_subscription_writes_nothing_and_asks_the_database_nothing(in_carrier_a, monkeypatch):
    order = shipping_order()
    outbox.active_subscriptions()  # the cache is warm, as after the first change of a carrier
    with CaptureQueriesContext(transaction.get_connection()) as with_outbox:
        transition(order.pk, "shipped", Action.NOTE)
    monkeypatch.setattr(outbox, "emit", lambda *args, **kwargs: None)
    with CaptureQueriesContext(transaction.get_connection()) as without:
        transition(order.pk, "delivered", Action.NOTE)
    assert len(with_outbox.captured_queries) == len(without.captured_queries)
    assert not any("integrations_" in q["sql"] for q in with_outbox.captured_queries)
    assert not OutboxEvent.objects.exists()


def test_no_extra_query_per_transition(in_carrier_a, django_assert_num_queries, monkeypatch):
    order, other = shipping_order(), shipping_order()
    outbox.active_subscriptions()
    with monkeypatch.context() as patched, CaptureQueriesContext(transaction.get_connection()) as bare:
        patched.setattr(outbox, "emit", lambda *args, **kwargs: None)
        transition(other.pk, "shipped", Action.NOTE)
    with django_assert_num_queries(len(bare.captured_queries)):  # the lock, the write, the timeline
        transition(order.pk, "shipped", Action.NOTE)


def test_the_event_is_written_in_the_changes_transaction(in_carrier_a):
    sub_id, _secret = webhook(url=URL)
    order = shipping_order()

    def change_then_fail():
        with transaction.atomic():
            transition(order.pk, "shipped", Action.NOTE)
            assert OutboxEvent.objects.count() == 1  # written with the change…
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()  # …and rolled back with it
    order.refresh_from_db()
    assert order.status == "in_fulfilment"
    transition(order.pk, "shipped", Action.NOTE)
    event = OutboxEvent.objects.get()
    assert (event.topic, event.resource_type, event.resource_id) == ("order.state_changed", "order", str(order.pk))
    assert event.payload["hall"]["status"] == "shipped" and "tmf" not in event.payload
    delivery = Delivery.objects.get()
    assert (delivery.subscription_id, delivery.status, delivery.resource_key) == (
        sub_id,
        "pending",
        f"order:{order.pk}",
    )


def test_a_subscription_made_after_the_cache_was_filled_gets_the_next_change(in_carrier_a):
    order = shipping_order()
    assert outbox.active_subscriptions() == []  # cached: none
    transition(order.pk, "shipped", Action.NOTE)
    assert not OutboxEvent.objects.exists()
    webhook(url=URL)
    transition(order.pk, "delivered", Action.NOTE)
    assert OutboxEvent.objects.get().payload["hall"]["status"] == "delivered"
    Subscription.objects.all().update(active=False)  # a bulk change: invalidated by hand
    outbox.forget_subscriptions()
    transition(order.pk, "completed", Action.NOTE)
    assert OutboxEvent.objects.count() == 1


def test_emit_outside_a_transaction_opens_its_own(in_carrier_a):
    webhook(url=URL)
    order = shipping_order()
    event = outbox.emit("order.state_changed", "order", order.pk, order)
    assert event is not None and event.deliveries.count() == 1


def test_webhooks_get_their_topics_and_hubs_their_query(in_carrier_a, tmf_renderers):
    order = shipping_order()
    states, _secret = webhook(("order.state_changed",), url=URL)
    webhook(("order.created",), url=URL)
    completed = Subscription.objects.create(
        kind="tmf_hub",
        api="productOrderingManagement",
        callback=URL,
        secret="s",
        query="eventType=ProductOrderStateChangeEvent&event.productOrder.state=completed",
    )
    Subscription.objects.create(kind="tmf_hub", api="troubleTicket", callback=URL, secret="s")
    any_order = Subscription.objects.create(kind="tmf_hub", api="productOrderingManagement", callback=URL, secret="s")
    transition(order.pk, "shipped", Action.NOTE)
    transition(order.pk, "delivered", Action.NOTE)
    transition(order.pk, "completed", Action.NOTE)
    got = {}
    for event in OutboxEvent.objects.order_by("pk"):
        got[event.payload["hall"]["status"]] = set(event.deliveries.values_list("subscription_id", flat=True))
        assert event.payload["tmf"]["@type"] == "ProductOrder"
    assert got == {
        "shipped": {states, any_order.pk},
        "delivered": {states, any_order.pk},
        "completed": {states, any_order.pk, completed.pk},
    }
    event = OutboxEvent.objects.order_by("pk").last()
    body = outbox.hub_body(event)
    assert body["eventType"] == "ProductOrderStateChangeEvent" and body["event"]["productOrder"]["state"] == "completed"
    assert body["eventTime"].endswith("Z") and body["eventId"] == str(event.event_id)
    hook = outbox.webhook_body(event)
    assert (hook["type"], hook["id"], hook["data"]["number"]) == (
        "order.state_changed",
        str(event.event_id),
        order.number,
    )


def test_hall_payloads_show_no_personal_data(in_carrier_a):
    webhook(("order.state_changed", "ticket.created", "ticket.state_changed"), url=URL)
    order = shipping_order()
    order.contact_phone, order.recipient, order.address_detail = "13912345678", "张三丰", "天河路 385 号"
    order.save()
    transition(order.pk, "shipped", Action.NOTE)
    data = OutboxEvent.objects.get().payload["hall"]
    text = str(data)
    assert data["contact_phone"] == "139****5678"
    assert "13912345678" not in text and "张三丰" not in text and "天河路" not in text

    from orders.aftersales import tickets

    ticket = tickets.open_ticket(order.user, "complaint", description="张三丰 13912345678 投诉")
    tickets.move(ticket, "in_progress")
    events = list(OutboxEvent.objects.filter(resource_type="ticket").order_by("pk"))
    assert [(e.topic, e.payload["hall"]["status"]) for e in events] == [
        ("ticket.created", "open"),
        ("ticket.state_changed", "in_progress"),
    ]
    assert "张三丰" not in str(events[0].payload) and events[0].payload["hall"]["code"] == ticket.code


def test_offers_created_changed_and_deleted(in_carrier_a):
    from catalog.models import Category, Offer
    from catalog.services import set_status

    webhook(("offer.created", "offer.changed", "offer.deleted"), url=URL)
    offer = Offer.objects.create(
        kind="plan", category=Category.objects.first(), name="测试套餐", slug="outbox-plan", list_price=9, sale_price=9
    )
    offer.name = "改名套餐"
    offer.save()
    set_status(Offer.objects.filter(pk=offer.pk), "on_sale")  # a bulk update: no signal, still an event
    pk = offer.pk
    offer.delete()
    events = list(OutboxEvent.objects.order_by("pk").values_list("topic", "resource_id", "payload"))
    assert [(t, r) for t, r, _p in events] == [
        ("offer.created", str(pk)),
        ("offer.changed", str(pk)),
        ("offer.changed", str(pk)),
        ("offer.deleted", str(pk)),
    ]
    assert [p["hall"]["name"] for _t, _r, p in events] == ["测试套餐", "改名套餐", "改名套餐", "改名套餐"]
    assert events[2][2]["hall"]["status"] == "on_sale"


def test_hub_queries_parse_and_match():
    query = outbox.Query.parse("?eventType=A,B&event.productOrder.state=completed,cancelled")
    assert query.event_types == {"A", "B"}
    assert query.matches({"eventType": "A", "event": {"productOrder": {"state": "cancelled"}}})
    assert not query.matches({"eventType": "C", "event": {"productOrder": {"state": "cancelled"}}})
    assert not query.matches({"eventType": "B", "event": {"productOrder": {"state": "held"}}})
    assert not query.matches({"eventType": "B", "event": {}})
    items = outbox.Query.parse("event.productOrder.productOrderItem.state=completed")
    assert items.matches({"event": {"productOrder": {"productOrderItem": [{"state": "x"}, {"state": "completed"}]}}})


def test_signatures_verify_and_refuse_tampering_and_replays():
    body = b'{"id":"1","type":"order.created"}'
    now = int(time.time())
    header = signing.sign("whsec_x", body, now)
    assert header.startswith(f"t={now},v1=")
    assert signing.verify("whsec_x", header, body)
    assert signing.verify("whsec_x", header, body.decode())
    assert not signing.verify("whsec_y", header, body)  # another secret
    assert not signing.verify("whsec_x", header, body.replace(b"created", b"deleted"))  # tampered body
    assert not signing.verify("whsec_x", header.replace(f"t={now}", f"t={now - 1}"), body)  # tampered time
    stale = signing.sign("whsec_x", body, now - 301)
    assert not signing.verify("whsec_x", stale, body)  # replayed after the window
    assert signing.verify("whsec_x", stale, body, tolerance=600)
    assert not signing.verify("whsec_x", signing.sign("whsec_x", body, now + 301), body)  # from the future
    assert not signing.verify("whsec_x", "", body) and not signing.verify("whsec_x", "t=abc,v1=", body)


def test_callbacks_http_only_without_credentials_and_public_in_production(settings):
    assert callbacks.check("https://partner.example.com/hub") == "https://partner.example.com/hub"
    for bad in ("ftp://x.example.com/", "javascript:alert(1)", "https://user:pw@x.example.com/", "http:///x", ""):
        with pytest.raises(callbacks.CallbackRefused):
            callbacks.check(bad)
    assert callbacks.check("http://127.0.0.1:8000/hook")  # development and tests
    settings.HALL_OUTBOX_ALLOW_PRIVATE_CALLBACKS = False  # production
    for private in (
        "http://127.0.0.1:8000/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://169.254.169.254/",
        "http://localhost/",
    ):
        with pytest.raises(callbacks.CallbackRefused):
            callbacks.check(private)
    assert callbacks.check("https://8.8.8.8/hook")


def test_a_delivery_to_a_refused_callback_is_not_sent(in_carrier_a, settings):
    receiver = Receiver().start()
    try:
        webhook(url=receiver.url)
        order = shipping_order()
        transition(order.pk, "shipped", Action.NOTE)
        settings.HALL_OUTBOX_ALLOW_PRIVATE_CALLBACKS = False
        from integrations.delivery import deliver_one

        delivery = deliver_one()
        assert delivery is not None and delivery.status == "pending" and "refused" in delivery.last_error
        assert receiver.arrived == []
    finally:
        receiver.stop()


def test_one_delivery_task_per_transaction(in_carrier_a, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("integrations.tasks.deliver.apply_async", lambda *args, **kwargs: sent.append(kwargs))
    webhook(url=URL)
    orders = [shipping_order() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for order in orders:
            transition(order.pk, "shipped", Action.NOTE)
    assert OutboxEvent.objects.count() == 3
    assert sent == [{"countdown": 0, "headers": {"_schema_name": "c_alpha"}}]
