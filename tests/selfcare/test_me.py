"""我的: the bound numbers' cards (balance, allowances, plan, contract), arrears and suspension said
plainly, binding a number with a code, numbers that left the carrier dropping off, and nobody
seeing or changing another subscriber's numbers."""

import pytest

from core.money import yuan
from subscribers import bindings
from subscribers.models import BoundNumber, NumberAuthCode
from tenants.simulators.bss import SimulatedBss
from tenants.simulators.models import SimSubscriber
from tests.support.clients import host_client
from tests.support.subscribers import fresh_number, signed_in_by_code
from tests.support.telecom import MAIN, sent_code

pytestmark = pytest.mark.django_db


def test_the_primary_numbers_card_shows_balance_allowances_plan_and_as_of(telecom):
    client, user = signed_in_by_code()
    bindings.bind(user, MAIN, BoundNumber.Proof.CODE)
    page = client.get("/me/").content.decode()
    assert 'data-testid="number-card"' in page and "180 0000 0001" in page
    balance = SimSubscriber.objects.get(number=MAIN)
    assert yuan(balance.balance) in page and "畅享 79 元套餐" in page and 'data-testid="bucket-data"' in page
    assert "共 100 GB" in page and "E+" not in page  # 畅享 79: 100 GB, as people write it
    assert "<meter" in page and "截至" in page and f"/topup/?number={MAIN}" in page


def test_arrears_and_suspension_are_said_plainly_with_what_to_do(telecom):
    client, user = signed_in_by_code()
    owing = SimSubscriber.objects.filter(arrears__gt=0).first().number
    suspended = SimSubscriber.objects.get(status="suspended", note__contains="停机").number
    bindings.bind(user, owing, BoundNumber.Proof.CODE)
    bindings.bind(user, suspended, BoundNumber.Proof.CODE)
    page = client.get("/me/").content.decode()
    assert 'data-testid="arrears"' in page and "¥58.20" in page and "充值" in page
    assert 'data-testid="suspended"' in page


def test_bind_a_second_number_with_its_code(telecom):
    client, user = signed_in_by_code()
    NumberAuthCode.objects.filter(number=MAIN).delete()
    sent = client.post("/me/numbers/bind/", {"action": "send", "number": MAIN}, follow=True).content.decode()
    assert 'data-testid="code-form"' in sent and not bindings.is_bound(user, MAIN)
    client.post("/me/numbers/bind/", {"action": "verify", "code": sent_code(MAIN)})
    assert bindings.numbers_of(user) == [MAIN]


def test_a_number_cannot_be_bound_without_its_code_or_from_another_carrier(telecom):
    client, user = signed_in_by_code()
    early = client.post("/me/numbers/bind/", {"action": "verify", "code": "123456"}).content.decode()
    assert "请先获取验证码" in early
    stranger = fresh_number()
    refused = client.post("/me/numbers/bind/", {"action": "send", "number": stranger}).content.decode()
    assert "不是本运营商的号码" in refused and not BoundNumber.objects.filter(number=stranger).exists()
    assert bindings.numbers_of(user) == []


def test_whoever_proves_a_number_last_holds_it(telecom):
    _first_client, first = signed_in_by_code()
    bindings.bind(first, MAIN, BoundNumber.Proof.CODE)
    _second_client, second = signed_in_by_code()
    bindings.bind(second, MAIN, BoundNumber.Proof.CODE)
    assert bindings.numbers_of(first) == [] and bindings.numbers_of(second) == [MAIN]
    assert BoundNumber.objects.get(user=first, number=MAIN).unbound_why == "proved_elsewhere"


def test_a_number_that_left_the_carrier_drops_off(telecom):
    client, user = signed_in_by_code()
    bindings.bind(user, MAIN, BoundNumber.Proof.CODE)
    closed = SimSubscriber.objects.get(status="closed", note__contains="销户").number
    BoundNumber.objects.create(user=user, number=closed, proof="code", proved_at="2026-01-01T00:00:00Z")
    page = client.get("/me/").content.decode()
    assert closed not in page.replace(" ", "") and BoundNumber.objects.get(number=closed).unbound_why == "left_carrier"


def test_nobody_changes_or_sees_another_subscribers_numbers(telecom):
    owner_client, owner = signed_in_by_code()
    bindings.bind(owner, MAIN, BoundNumber.Proof.CODE)
    other_client, _other = signed_in_by_code()
    other_client.post(f"/me/numbers/{MAIN}/", {"action": "unbind"})
    other_client.post(f"/me/numbers/{MAIN}/", {"action": "primary"})
    assert bindings.numbers_of(owner) == [MAIN] and "180 0000 0001" not in other_client.get("/me/").content.decode()
    assert host_client("alpha.localhost").get("/me/").status_code == 200  # signed out: an invitation only
    assert 'data-testid="number-card"' not in host_client("alpha.localhost").get("/me/").content.decode()


def test_the_bss_is_asked_once_per_number_in_the_cache_time(telecom, monkeypatch):
    client, user = signed_in_by_code()
    bindings.bind(user, MAIN, BoundNumber.Proof.CODE)
    calls = []
    real = SimulatedBss.usage
    monkeypatch.setattr(SimulatedBss, "usage", lambda self, number: calls.append(number) or real(self, number))
    client.get("/me/")
    client.get("/me/")
    assert calls == [MAIN]
