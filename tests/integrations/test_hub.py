"""TMF630 `/hub`: register, read and remove event subscriptions with a token of `events:write`;
TMF error bodies; callbacks checked; one carrier's token is nothing at another; a token sees its own."""

import json

import pytest
from django.contrib.auth.models import User

from integrations import delivery, outbox, signing, tokens
from integrations.models import Subscription
from orders.events import Action
from orders.states import transition
from tests.support.hub_urls import BASE
from tests.support.outbox import shipping_order
from tests.support.receiver import Receiver

HUB = BASE + "hub"


@pytest.fixture(autouse=True)
def _hub_urls(settings):
    settings.ROOT_URLCONF = "tests.support.hub_urls"


def token(scopes=("events:write", "order:read"), name="partner", staff=False) -> str:
    user = User.objects.create_user(f"{name}-{User.objects.count()}", is_staff=staff)
    return tokens.issue(user, name, scopes)[1]


def call(client, method, path, secret="", body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", **headers)


def assert_tmf_error(response, status: int):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == body["status"] == str(status) and body["@type"] == "Error"
    assert body["reason"] and body["message"]


def test_register_read_and_remove(in_carrier_a, client_a):
    secret = token()
    query = "eventType=ProductOrderStateChangeEvent&event.productOrder.state=completed"
    created = call(client_a, "post", HUB, secret, {"callback": "https://partner.example.com/listener", "query": query})
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "callback", "query", "secret"}
    assert (body["callback"], body["query"]) == ("https://partner.example.com/listener", query)
    sub = Subscription.objects.get(pk=int(body["id"]))
    assert (sub.kind, sub.api, sub.secret, sub.token.prefix) == (
        "tmf_hub",
        "productOrderingManagement",
        body["secret"],
        secret[:16],
    )
    assert created["Location"].endswith(f"{HUB}/{body['id']}")
    read = call(client_a, "get", f"{HUB}/{body['id']}", secret)
    assert read.status_code == 200 and read.json() == {"id": body["id"], "callback": body["callback"], "query": query}
    assert call(client_a, "delete", f"{HUB}/{body['id']}", secret).status_code == 204
    assert not Subscription.objects.exists()
    assert_tmf_error(call(client_a, "get", f"{HUB}/{body['id']}", secret), 404)
    assert_tmf_error(call(client_a, "delete", f"{HUB}/{body['id']}", secret), 404)
    assert_tmf_error(call(client_a, "get", f"{HUB}/not-a-number", secret), 404)


def test_scopes_tokens_and_carriers(in_carrier_a, client_a, client_b):
    listener = {"callback": "https://partner.example.com/listener"}
    assert_tmf_error(call(client_a, "post", HUB, "", listener), 401)
    assert_tmf_error(call(client_a, "post", HUB, token(("order:read",)), listener), 403)
    mine = token()
    assert_tmf_error(call(client_b, "post", HUB, mine, listener), 401)  # alpha's token means nothing at beta
    created = call(client_a, "post", HUB, mine, listener).json()
    other = token(name="another")
    assert_tmf_error(call(client_a, "get", f"{HUB}/{created['id']}", other), 404)  # not its subscription
    assert_tmf_error(call(client_a, "delete", f"{HUB}/{created['id']}", other), 404)
    assert Subscription.objects.filter(pk=created["id"]).exists()
    tokens.revoke(tokens.authenticate(mine))
    assert_tmf_error(call(client_a, "get", f"{HUB}/{created['id']}", mine), 401)


def test_bad_callbacks_and_queries_are_refused(in_carrier_a, client_a, settings):
    secret = token()
    for bad in ("ftp://partner.example.com/", "https://me:pw@partner.example.com/", "not a url", ""):
        assert_tmf_error(call(client_a, "post", HUB, secret, {"callback": bad}), 400)
    assert_tmf_error(
        call(client_a, "post", HUB, secret, {"callback": "https://p.example.com/", "query": "eventType=Nope"}), 400
    )
    assert_tmf_error(call(client_a, "post", HUB, secret, ["not", "an", "object"]), 400)
    settings.HALL_OUTBOX_ALLOW_PRIVATE_CALLBACKS = False  # as in production
    assert_tmf_error(call(client_a, "post", HUB, secret, {"callback": "http://127.0.0.1:8000/x"}), 400)
    assert not Subscription.objects.exists()


def test_a_hub_receives_tmf_events_signed_with_its_secret(in_carrier_a, client_a):
    receiver = Receiver().start()
    saved = dict(outbox._RENDERERS)
    outbox.register_renderer("order", "tmf", lambda o: {"id": str(o.pk), "state": o.status, "@type": "ProductOrder"})
    try:
        created = call(
            client_a,
            "post",
            HUB,
            token(staff=True),  # a staff integration hears of every order; a partner of its own
            {
                "callback": receiver.url,
                "query": "eventType=ProductOrderStateChangeEvent&event.productOrder.state=delivered",
            },
        ).json()
        order = shipping_order()
        transition(order.pk, "shipped", Action.NOTE)
        transition(order.pk, "delivered", Action.NOTE)
        while delivery.deliver_one() is not None:
            pass
    finally:
        outbox._RENDERERS.clear()
        outbox._RENDERERS.update(saved)
        receiver.stop()
    [got] = receiver.accepted
    body = got.json
    assert set(body) == {"eventId", "eventTime", "eventType", "event"}
    assert body["eventType"] == "ProductOrderStateChangeEvent" == got.headers["X-Hall-Event-Type"]
    assert body["event"]["productOrder"] == {"id": str(order.pk), "state": "delivered", "@type": "ProductOrder"}
    assert body["eventId"] == got.event_id and body["eventTime"].endswith("Z")
    assert signing.verify(created["secret"], got.headers["X-Hall-Signature"], got.body)


def test_the_hub_describes_itself_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    from integrations.hub_api import hub_urlpatterns

    schema = SchemaGenerator(patterns=hub_urlpatterns("troubleTicket")).get_schema(request=None, public=True)
    assert set(schema["paths"]) == {"/hub", "/hub/{id}"}
    created = schema["paths"]["/hub"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/HubCreated")
    assert set(schema["paths"]["/hub/{id}"]) >= {"get", "delete"}
