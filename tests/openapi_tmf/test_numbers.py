"""TMF685 over the number pool: availability checks (the shop's search) and reservations (the
shop's one-statement hold), their take-over by an order, and a race of 50 real connections."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from tests.support.clients import host_client
from tests.support.tmf import bearer, partner_token, patch_json, post_json
from tests.support.tmf_schema import conforms

BASE = "/tmf-api/resourcePoolManagement/v4/"


@pytest.fixture
def writer(in_carrier_a):
    return partner_token("inventory:read", "inventory:write")


def _free(**filters) -> str:
    from tests.support.orders import free_number

    return free_number(**filters)


def _reserve(client, secret, *numbers, **extra):
    body = {"reservationItem": [{"resourceCapacity": {"resources": [{"id": n} for n in numbers]}}], **extra}
    return post_json(client, f"{BASE}reservation", body, secret)


def _number(number):
    from numberpool.models import MobileNumber

    return MobileNumber.objects.get(number=number)


def test_availability_check_is_the_shops_search(client_a, writer):
    _token, secret = writer
    tail = _free(city="guangzhou")[-2:]
    body = {
        "resourceCapacityDemand": {"capacityDemandAmount": 3, "place": {"id": "guangzhou"}, "pattern": {"tail": tail}}
    }
    response = post_json(client_a, f"{BASE}availabilityCheck", body, secret)
    assert response.status_code == 201, response.content
    check = response.json()
    assert check["@type"] == "AvailabilityCheck" and response["Location"] == check["href"]
    found = check["availableResources"]
    assert 1 <= len(found) <= 3
    for ref in found:
        assert ref["value"].endswith(tail) and ref["@referredType"] == "LogicalResource"
        city = next(c["value"] for c in ref["resourceCharacteristic"] if c["name"] == "city")
        assert city == "guangzhou" and _number(ref["value"]).status == "available"
    again = client_a.get(check["href"].replace("http://alpha.localhost", ""), **bearer(secret))
    assert again.status_code == 200 and again.json()["availableResources"] == found
    listed = post_json(
        client_a,
        f"{BASE}availabilityCheck",
        {"resourceCapacityDemand": {"capacityDemandAmount": 4, "pattern": [{"name": "exclude", "value": "4"}]}},
        secret,
    ).json()["availableResources"]
    assert len(listed) == 4 and all("4" not in r["value"][3:] for r in listed)
    from openapi_tmf.numbers import AVAILABILITY_CHECK

    conforms(AVAILABILITY_CHECK, check)
    assert check["resourceCapacityDemand"] == {
        "capacityDemandAmount": 3,
        "place": {"id": "guangzhou"},
        "pattern": [{"name": "tail", "value": tail}],
    }
    random_batch = post_json(client_a, f"{BASE}availabilityCheck", {}, secret)
    assert random_batch.status_code == 201 and len(random_batch.json()["availableResources"]) == 10
    no_listing = client_a.get(f"{BASE}availabilityCheck", **bearer(secret))
    assert no_listing.status_code == 405 and no_listing.json()["@type"] == "Error"
    assert client_a.get(f"{BASE}availabilityCheck/{'x' * 300}", **bearer(secret)).status_code == 404


@pytest.mark.parametrize(
    "demand",
    [
        {"pattern": {"tail": "ab"}},
        {"pattern": {"regex": ".*"}},
        {"pattern": "8888"},
        {"capacityDemandAmount": 0},
        {"capacityDemandAmount": 51},
        {"capacityDemandAmount": "5"},
        {"pattern": {"birthday": "1345"}},
        {"place": "guangzhou"},
    ],
)
def test_availability_check_bad_input(client_a, writer, demand):
    response = post_json(client_a, f"{BASE}availabilityCheck", {"resourceCapacityDemand": demand}, writer[1])
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["@type"] == "Error" and body["status"] == "400" and body["message"]


def test_reserve_list_extend_cancel(client_a, writer):
    token, secret = writer
    first, second = _free(), _free()
    end = timezone.now() + dt.timedelta(minutes=20)
    response = _reserve(client_a, secret, first, second, validFor={"endDateTime": end.isoformat()})
    assert response.status_code == 201, response.content
    reservation = response.json()
    assert reservation["reservationState"] == "accepted" and reservation["@type"] == "Reservation"
    assert {i["resourceCapacity"]["resources"][0]["id"] for i in reservation["reservationItem"]} == {first, second}
    owner = f"tmf:{token.pk}:{reservation['id']}"
    for number in (first, second):
        held = _number(number)
        assert held.status == "held" and held.hold_owner == owner
        assert abs((held.held_until - end).total_seconds()) < 61
    path = f"{BASE}reservation/{reservation['id']}"
    listed = client_a.get(f"{BASE}reservation?reservationState=accepted", **bearer(secret))
    assert [r["id"] for r in listed.json()] == [reservation["id"]] and listed["X-Total-Count"] == "1"
    assert client_a.get(path, **bearer(secret)).json()["validFor"] == reservation["validFor"]
    from openapi_tmf.numbers import RESERVATION

    conforms(RESERVATION, reservation, *listed.json())

    later = timezone.now() + dt.timedelta(minutes=29)
    extended = patch_json(client_a, path, {"validFor": {"endDateTime": later.isoformat()}}, secret)
    assert extended.status_code == 200, extended.content
    assert abs((_number(first).held_until - later).total_seconds()) < 1
    too_far = patch_json(
        client_a, path, {"validFor": {"endDateTime": (later + dt.timedelta(hours=2)).isoformat()}}, secret
    )
    assert too_far.status_code == 422 and too_far.json()["@type"] == "Error"
    wrong = patch_json(client_a, path, {"reservationState": "completed"}, secret)
    assert wrong.status_code == 400

    cancelled = patch_json(client_a, path, {"reservationState": "cancelled"}, secret)
    assert cancelled.status_code == 200 and cancelled.json()["reservationState"] == "cancelled"
    assert _number(first).status == "available" and _number(second).hold_owner == ""
    again = patch_json(client_a, path, {"validFor": {"endDateTime": later.isoformat()}}, secret)
    assert again.status_code == 409


def test_delete_releases_and_all_or_none(client_a, writer):
    _token, secret = writer
    mine, theirs = _free(), _free()
    from numberpool import holds

    holds.hold(theirs, "cart:someone-else")
    refused = _reserve(client_a, secret, mine, theirs)
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "number_taken"
    assert _number(mine).status == "available"  # nothing held when one number is taken
    made = _reserve(client_a, secret, mine).json()
    path = f"{BASE}reservation/{made['id']}"
    assert client_a.delete(path, **bearer(secret)).status_code == 204
    assert _number(mine).status == "available"
    assert client_a.get(path, **bearer(secret)).json()["reservationState"] == "cancelled"
    assert client_a.delete(path, **bearer(secret)).status_code == 204  # releasing again changes nothing


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reservationItem": []},
        {"reservationItem": [{"resourceCapacity": {"resources": [{"id": "123"}]}}]},
        {"reservationItem": [{"resourceCapacity": {}}]},
        {"reservationItem": [{"resourceCapacity": {"resources": [{"id": "18000000001"}, {"id": "18000000001"}]}}]},
        {"reservationItem": "x"},
        {
            "reservationItem": [{"resourceCapacity": {"resources": [{"id": "18000000001"}]}}],
            "validFor": {"endDateTime": "tomorrow"},
        },
    ],
)
def test_reservation_bad_input(client_a, writer, body):
    response = post_json(client_a, f"{BASE}reservation", body, writer[1])
    assert response.status_code == 400, response.content
    assert response.json()["@type"] == "Error"


def test_reservation_unprocessable(client_a, writer):
    _token, secret = writer
    assert _reserve(client_a, secret, "19999999999").status_code == 422  # not in the pool
    past = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    assert _reserve(client_a, secret, _free(), validFor={"endDateTime": past}).status_code == 422
    far = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    assert _reserve(client_a, secret, _free(), requestedPeriodEndDateTime=far).status_code == 422
    many = [_free() for _ in range(11)]
    assert _reserve(client_a, secret, *many).status_code == 422
    not_json = client_a.generic("POST", f"{BASE}reservation", "{", content_type="application/json", **bearer(secret))
    assert not_json.status_code == 400 and not_json.json()["@type"] == "Error"


def test_expired_reservation_and_take_over(client_a, writer):
    from numberpool.models import MobileNumber
    from openapi_tmf.conventions import TmfError
    from openapi_tmf.models import Reservation
    from openapi_tmf.numbers import take_over

    token, secret = writer
    number = _free()
    made = _reserve(client_a, secret, number).json()
    other_token, _other = partner_token("inventory:write", username="another-partner")
    with pytest.raises(TmfError) as foreign:
        take_over(made["id"], other_token, "order:1")
    assert foreign.value.status == 422
    with pytest.raises(TmfError):
        take_over("not-a-uuid", token, "order:1")

    assert take_over(made["id"], token, "order:77") == [number]
    assert _number(number).hold_owner == "order:77" and _number(number).status == "held"
    assert take_over(made["id"], token, "order:77") == [number]  # a retried order
    with pytest.raises(TmfError) as twice:
        take_over(made["id"], token, "order:78")
    assert twice.value.status == 409
    path = f"{BASE}reservation/{made['id']}"
    assert client_a.get(path, **bearer(secret)).json()["reservationState"] == "completed"
    assert client_a.delete(path, **bearer(secret)).status_code == 409  # the order holds it now

    late = _free()
    expired = _reserve(client_a, secret, late).json()
    Reservation.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    MobileNumber.objects.filter(number=late).update(held_until=timezone.now() - dt.timedelta(seconds=1))
    assert client_a.get(f"{BASE}reservation/{expired['id']}", **bearer(secret)).json()["reservationState"] == "expired"
    with pytest.raises(TmfError) as too_late:
        take_over(expired["id"], token, "order:79")
    assert too_late.value.status == 422 and _number(late).hold_owner != "order:79"
    expired_path = f"{BASE}reservation/{expired['id']}"
    extend = patch_json(client_a, expired_path, {"requestedPeriodEndDateTime": timezone.now().isoformat()}, secret)
    assert extend.status_code in (409, 422)
    cancelled = patch_json(client_a, expired_path, {"reservationState": "cancelled"}, secret)
    assert cancelled.status_code == 200 and cancelled.json()["reservationState"] == "cancelled"
    assert _number(late).status == "available"  # its expired hold let go at once
    # an expired hold is anyone's: the shop takes it over
    from numberpool import holds

    holds.hold(late, "cart:shopper")
    assert _number(late).hold_owner == "cart:shopper"


def test_reservations_are_the_accounts_own(client_a, writer):
    _token, secret = writer
    made = _reserve(client_a, secret, _free()).json()
    _second_token, same_account = partner_token("inventory:read", username="partner")
    assert client_a.get(f"{BASE}reservation/{made['id']}", **bearer(same_account)).status_code == 200
    _t, stranger = partner_token("inventory:read", "inventory:write", username="stranger")
    assert client_a.get(f"{BASE}reservation/{made['id']}", **bearer(stranger)).status_code == 404
    assert client_a.get(f"{BASE}reservation", **bearer(stranger)).json() == []
    assert client_a.delete(f"{BASE}reservation/{made['id']}", **bearer(stranger)).status_code == 404
    assert client_a.get(f"{BASE}reservation/nope", **bearer(secret)).status_code == 404


def test_tokens_scopes_and_carriers(client_a, client_b, in_carrier_a, carrier_b):
    from django.db import connection

    _t, reader = partner_token("inventory:read", username="reader")
    number = _free()
    assert client_a.get(f"{BASE}reservation").status_code == 401
    assert client_a.post(f"{BASE}availabilityCheck", {}, content_type="application/json").status_code == 401
    refused = _reserve(client_a, reader, number)
    assert refused.status_code == 403 and refused.json()["@type"] == "Error"
    _t, catalog_only = partner_token("catalog:read", username="catalog-reader")
    assert post_json(client_a, f"{BASE}availabilityCheck", {}, catalog_only).status_code == 403
    assert client_a.get(f"{BASE}reservation", **bearer(reader)).status_code == 200
    connection.set_tenant(carrier_b)
    _t, beta_secret = partner_token("inventory:read", "inventory:write", username="beta-partner")
    assert _reserve(client_a, beta_secret, number).status_code == 401  # beta's token on alpha
    assert client_a.get(f"{BASE}reservation", **bearer(beta_secret)).status_code == 401


# --- the race: 50 real connections reserve one number ---------------------------------------------

RACERS = 50


@pytest.fixture
def committed_partner(django_db_setup, django_db_blocker):
    """A partner account and token committed in alpha (each racer's connection must see them)."""
    from django.contrib.auth.models import User
    from django_tenants.utils import schema_context

    from numberpool.models import MobileNumber
    from openapi_tmf.models import Reservation

    with django_db_blocker.unblock(), schema_context("c_alpha"):
        user, _created = User.objects.get_or_create(username="racing-partner")
        token, secret = partner_token("inventory:read", "inventory:write", username="racing-partner")
        number = MobileNumber.objects.filter(status="available").order_by("-number").values_list("number", flat=True)[0]
    yield token, secret, number
    with django_db_blocker.unblock(), schema_context("c_alpha"):
        Reservation.objects.filter(user=user).delete()
        MobileNumber.objects.filter(number=number, hold_owner__startswith="tmf:").update(
            status="available", hold_owner="", held_until=None
        )
        token.delete()
        user.delete()


def test_fifty_parallel_reservations_of_one_number(committed_partner, django_db_blocker):
    token, secret, number = committed_partner
    statuses, errors, lock = [], [], threading.Lock()
    barrier = threading.Barrier(RACERS)

    def racer():
        try:
            client = host_client("alpha.localhost")
            barrier.wait()
            response = _reserve(client, secret, number)
            with lock:
                statuses.append((response.status_code, response.json()))
        except Exception as exc:  # surfaced below: a racer must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=racer) for _ in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        codes = sorted(code for code, _body in statuses)
        assert codes == [201] + [409] * (RACERS - 1), codes
        winner = next(body for code, body in statuses if code == 201)
        assert all(body["@type"] == "Error" for code, body in statuses if code == 409)
        from django_tenants.utils import schema_context

        from openapi_tmf.models import Reservation

        with schema_context("c_alpha"):
            held = _number(number)
            assert held.status == "held" and held.hold_owner == f"tmf:{token.pk}:{winner['id']}"
            assert Reservation.objects.filter(token=token).count() == 1


def test_a_tmf622_order_takes_the_reservation_over(client_a, quick):
    from catalog.models import Offer
    from openapi_tmf.models import Reservation
    from orders.models import Order
    from tests.support.orders import NAME, fresh_id

    _token, secret = partner_token("inventory:read", "inventory:write", "order:read", "order:write")
    number = _free()
    reservation = _reserve(client_a, secret, number).json()
    chars = [
        {"name": "reservationId", "value": reservation["id"]},
        {"name": "holderName", "value": NAME},
        {"name": "holderIdNumber", "value": fresh_id()},
        {"name": "recipient", "value": "张三"},
        {"name": "contactPhone", "value": "13800138000"},
        {"name": "province", "value": "广东省"},
        {"name": "city", "value": "广州市"},
        {"name": "district", "value": "天河区"},
        {"name": "addressDetail", "value": "天河路 100 号 5 楼"},
        {"name": "termsAccepted", "value": True},
    ]
    sim = Offer.objects.get(slug="sim-1")

    def order(characteristics):
        item = {"productOffering": {"id": str(sim.pk)}, "product": {"productCharacteristic": characteristics}}
        return post_json(
            client_a, "/tmf-api/productOrderingManagement/v4/productOrder", {"productOrderItem": [item]}, secret
        )

    refused = order(chars)  # the agreements not accepted: the order fails and the number goes back to it
    assert refused.status_code == 400, refused.content
    assert Reservation.objects.get(pk=reservation["id"]).state == "active"
    kept = _number(number)
    assert kept.status == "held" and kept.hold_owner == Reservation.objects.get(pk=reservation["id"]).hold_owner
    placed = order([*chars, {"name": "agreementsAccepted", "value": True}])  # the same reservation serves again
    assert placed.status_code == 201, placed.content
    bought = Order.objects.get(number=placed.json()["id"])
    held = _number(number)
    assert held.status == "held" and held.hold_owner == bought.hold_owner
    shown = client_a.get(f"{BASE}reservation/{reservation['id']}", **bearer(secret)).json()
    assert shown["reservationState"] == "completed"
    again = order([*chars, {"name": "agreementsAccepted", "value": True}])  # the order holds it now
    assert again.status_code == 409 and again.json()["@type"] == "Error"


def test_staff_see_reservations_in_the_admin(client_a, writer):
    from tests.support.clients import STAFF_PASSWORD, sign_in

    _token, secret = writer
    number = _free()
    _reserve(client_a, secret, number)
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    page = client_a.get("/admin/openapi_tmf/reservation/?q=partner")
    assert page.status_code == 200 and number in page.content.decode()
