"""TMF621 over the after-sales tickets: opened for the token's own orders, notes, the moves the
kind's state machine allows, Hall's statuses in TMF's words."""

import pytest

from tests.support.tmf import bearer, partner_token, patch_json, post_json
from tests.support.tmf_schema import conforms
from tests.support.tmf_subscribers import partner_account, sold_number, staff_account

BASE = "/tmf-api/troubleTicket/v4/"


@pytest.fixture
def ordered(quick):
    user = partner_account("partner")
    order, _number = sold_number(user)
    _token, secret = partner_token("ticket:read", "ticket:write", username="partner")
    return user, order, secret


def _open(client, secret, order, kind="complaint", **extra):
    body = {
        "ticketType": kind,
        "description": "卡一直没有寄出",
        "relatedEntity": [{"id": order.number, "@referredType": "ProductOrder", "role": "order"}],
        **extra,
    }
    return post_json(client, f"{BASE}troubleTicket", body, secret)


def test_open_list_note_and_close_a_complaint(client_a, ordered):
    from orders.models import Ticket

    user, order, secret = ordered
    response = _open(client_a, secret, order)
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert ticket["@type"] == "TroubleTicket" and ticket["status"] == "acknowledged"
    assert ticket["ticketType"] == "complaint" and ticket["name"].startswith("T")
    assert ticket["relatedEntity"][0]["id"] == order.number
    assert ticket["relatedEntity"][0]["href"].endswith(
        f"/tmf-api/productOrderingManagement/v4/productOrder/{order.number}"
    )
    assert ticket["expectedResolutionDate"].endswith("Z") and ticket["relatedParty"][0]["id"] == str(user.pk)
    assert [h["status"] for h in ticket["statusChangeHistory"]] == ["acknowledged"]
    assert Ticket.objects.get(pk=int(ticket["id"])).user == user
    from openapi_tmf.tickets import TROUBLE_TICKET

    conforms(TROUBLE_TICKET, ticket)
    path = f"{BASE}troubleTicket/{ticket['id']}"

    listed = client_a.get(f"{BASE}troubleTicket?status=acknowledged&ticketType=complaint", **bearer(secret))
    assert [t["id"] for t in listed.json()] == [ticket["id"]] and listed["X-Total-Count"] == "1"
    by_order = client_a.get(f"{BASE}troubleTicket?relatedEntity.id={order.number}", **bearer(secret)).json()
    assert [t["id"] for t in by_order] == [ticket["id"]]
    assert client_a.get(f"{BASE}troubleTicket?status=resolved", **bearer(secret)).json() == []

    noted = patch_json(client_a, path, {"note": [{"text": "请尽快处理"}]}, secret)
    assert noted.status_code == 200, noted.content
    notes = noted.json()["note"]
    assert [n["text"] for n in notes] == ["请尽快处理"] and notes[0]["author"] == "subscriber"
    again = patch_json(client_a, path, {"note": [*notes, {"text": "还有一件事"}]}, secret)  # merge-patch sends the list
    assert [n["text"] for n in again.json()["note"]] == ["请尽快处理", "还有一件事"]

    refused = patch_json(client_a, path, {"status": "inProgress"}, secret)  # staff's move, not the partner's
    assert refused.status_code == 422 and refused.json()["@type"] == "Error"
    closed = patch_json(client_a, path, {"status": "closed", "statusChangeReason": "已收到"}, secret)
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "closed" and body["statusChangeReason"] == "已收到" and body["resolutionDate"]
    conforms(TROUBLE_TICKET, body)
    assert Ticket.objects.get(pk=int(ticket["id"])).status == "closed"
    assert patch_json(client_a, path, {"status": "inProgress"}, secret).status_code == 422


def test_staff_moves_and_internal_notes(client_a, ordered):
    _user, order, secret = ordered
    ticket = _open(client_a, secret, order).json()
    path = f"{BASE}troubleTicket/{ticket['id']}"
    staff_account("tmf-staff")
    _t, viewer = partner_token("ticket:read", "ticket:write", username="tmf-staff")
    assert patch_json(client_a, path, {"status": "inProgress"}, viewer).status_code == 403  # no permission
    staff_account("tmf-agent", "orders.change_ticket")
    _t, staff = partner_token("ticket:read", "ticket:write", username="tmf-agent")
    assert ticket["id"] in [t["id"] for t in client_a.get(f"{BASE}troubleTicket", **bearer(staff)).json()]
    moved = patch_json(
        client_a, path, {"status": "inProgress", "note": [{"text": "内部备注", "internal": True}]}, staff
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "inProgress" and moved.json()["note"][0]["internal"] is True
    seen = client_a.get(path, **bearer(secret)).json()
    assert seen["status"] == "inProgress" and seen["note"] == []  # internal notes stay internal
    resolved = patch_json(client_a, path, {"status": "resolved", "statusChangeReason": "已补寄"}, staff)
    assert resolved.json()["status"] == "resolved"
    assert [h["status"] for h in resolved.json()["statusChangeHistory"]] == ["acknowledged", "inProgress", "resolved"]


def test_cancel_is_decided_at_once(client_a, ordered):
    _user, order, secret = ordered
    response = _open(client_a, secret, order, kind="cancel")
    assert response.status_code == 201, response.content
    assert response.json()["status"] in ("resolved", "rejected")
    assert len(response.json()["statusChangeHistory"]) == 2


def test_refusals_are_tmf_errors(client_a, ordered):
    from tests.support.orders import place_sim_order

    user, order, secret = ordered
    cases = [
        ({"ticketType": "complaint"}, 400),
        ({"ticketType": "hack", "relatedEntity": [{"id": order.number}]}, 400),
        ({"ticketType": "complaint", "relatedEntity": [{"id": "nope"}]}, 422),
        ({"ticketType": "complaint", "relatedEntity": [{"id": order.number}]}, 422),  # no description
        ({"ticketType": "return", "description": "x", "relatedEntity": [{"id": order.number}]}, 422),  # not shipped
        ({"ticketType": "complaint", "description": 5, "relatedEntity": [{"id": order.number}]}, 400),
        (
            {
                "ticketType": "complaint",
                "description": "x",
                "relatedEntity": [{"id": order.number}],
                "requestedResolutionDate": "soon",
            },
            400,
        ),
    ]
    for body, status in cases:
        response = post_json(client_a, f"{BASE}troubleTicket", body, secret)
        assert response.status_code == status, (body, response.content)
        assert response.json()["@type"] == "Error"
    theirs, _n = place_sim_order()  # another account's order: not found for this token
    response = _open(client_a, secret, theirs)
    assert response.status_code == 422
    ticket = _open(client_a, secret, order).json()
    path = f"{BASE}troubleTicket/{ticket['id']}"
    assert patch_json(client_a, path, {"description": "changed"}, secret).status_code == 400
    assert patch_json(client_a, path, {"status": "sideways"}, secret).status_code == 400
    assert patch_json(client_a, path, {"note": [{"text": ""}]}, secret).status_code == 400
    assert patch_json(client_a, path, {"note": "text"}, secret).status_code == 400
    assert client_a.delete(path, **bearer(secret)).status_code == 405
    _t, stranger = partner_token("ticket:read", "ticket:write", username="stranger")
    assert client_a.get(path, **bearer(stranger)).status_code == 404
    assert patch_json(client_a, path, {"status": "closed"}, stranger).status_code == 404
    assert client_a.get(f"{BASE}troubleTicket/abc", **bearer(secret)).status_code == 404
    huge = "9" * 30  # beyond any integer column: not found, never a database error
    assert client_a.get(f"{BASE}troubleTicket/{huge}", **bearer(secret)).status_code == 404
    assert client_a.get(f"{BASE}troubleTicket?id={huge}", **bearer(secret)).json() == []


def test_tokens_scopes_and_carriers(client_a, ordered, carrier_b):
    from django.db import connection

    _user, order, _secret = ordered
    assert client_a.get(f"{BASE}troubleTicket").status_code == 401
    _t, reader = partner_token("ticket:read", username="partner")
    assert client_a.get(f"{BASE}troubleTicket", **bearer(reader)).status_code == 200
    assert _open(client_a, reader, order).status_code == 403
    _t, other = partner_token("balance:read", username="partner")
    assert client_a.get(f"{BASE}troubleTicket", **bearer(other)).status_code == 403
    connection.set_tenant(carrier_b)
    _t, beta = partner_token("ticket:read", "ticket:write", username="partner")
    assert client_a.get(f"{BASE}troubleTicket", **bearer(beta)).status_code == 401
    assert _open(client_a, beta, order).status_code == 401
