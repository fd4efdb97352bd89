"""The API of 我的 with the page's rules: binding by code, the plan and its choices, 退订, records
behind the second check; nothing of a number not bound."""

import pytest

from subscribers import bindings
from subscribers.models import NumberAuthCode, RecordsRead
from tests.support.subscribers import signed_in_by_code
from tests.support.telecom import MAIN, sent_code

pytestmark = pytest.mark.django_db


def test_bind_by_code_then_read_plan_cancel_a_service_and_records(telecom):
    client, user = signed_in_by_code()
    NumberAuthCode.objects.filter(number=MAIN).delete()
    assert client.get(f"/api/v1/me/numbers/{MAIN}/plan/").status_code == 404  # not bound yet
    sent = client.post("/api/v1/me/numbers/", {"number": MAIN}, content_type="application/json")
    assert sent.status_code == 202 and sent.json() == {"sent_to": "180****0001"}
    wrong_code = f"{(int(sent_code(MAIN)) + 1) % 10**6:06d}"
    wrong = client.post(
        "/api/v1/me/numbers/verify/", {"number": MAIN, "code": wrong_code}, content_type="application/json"
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_code"
    bound = client.post(
        "/api/v1/me/numbers/verify/", {"number": MAIN, "code": sent_code(MAIN)}, content_type="application/json"
    )
    assert bound.status_code == 201 and bindings.numbers_of(user) == [MAIN]
    me = client.get("/api/v1/me/").json()
    assert me["numbers"][0]["number"] == MAIN and me["numbers"][0]["buckets"]
    plan = client.get(f"/api/v1/me/numbers/{MAIN}/plan/").json()
    assert {s["code"] for s in plan["services"] if s["cancellable"]} == {"crbt", "call-alert"}
    stops = client.post(f"/api/v1/me/numbers/{MAIN}/services/crbt/cancel/")
    assert stops.status_code == 200 and stops.json()["stops_on"]
    period = me["numbers"][0]["as_of"][:7]
    records = client.get(f"/api/v1/me/numbers/{MAIN}/bills/{period}/records/")  # the binding code is fresh
    assert records.status_code == 200 and records["Cache-Control"] == "no-store"
    assert RecordsRead.objects.filter(user=user, via="api").count() == 1


def test_records_need_a_fresh_code_over_the_api_too(telecom):
    client, user = signed_in_by_code()
    bindings.bind(user, MAIN, "code")
    refused = client.get(f"/api/v1/me/numbers/{MAIN}/bills/2026-11/records/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "second_check_required"
