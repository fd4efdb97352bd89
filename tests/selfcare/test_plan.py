"""My plan and services: the plans a number may change to and why not the others, a plan change
as an order the worker applies at the BSS with its key, and 退订 of a service after confirming."""

import pytest

from catalog.models import Offer
from orders import fulfilment
from orders.checkout import telecom as telecom_checkout
from orders.checkout.services import CheckoutError
from orders.models import Order
from subscribers import bindings
from subscribers.models import BoundNumber
from tenants.simulators import selfcare
from tenants.simulators.models import SimSms, SimSubscriber
from tests.support.subscribers import signed_in_by_code
from tests.support.telecom import MAIN

pytestmark = pytest.mark.django_db


def _holder_of(number: str):
    client, user = signed_in_by_code()
    bindings.bind(user, number, BoundNumber.Proof.CODE)
    return client, user


def test_the_plan_page_says_which_plans_may_be_taken_and_why_not_the_others(telecom):
    client, _user = _holder_of(MAIN)
    page = client.get(f"/me/numbers/{MAIN}/plan/").content.decode()
    assert "畅享 79 元套餐" in page and "当前套餐" in page  # the number's own plan: "same"
    dearer = page.split('data-testid="plan-plan-6"')[1].split('data-testid="plan-')[0]
    cheaper = page.split('data-testid="plan-plan-2"')[1].split('data-testid="plan-')[0]
    assert 'value="now"' in dearer and 'value="next_month"' in dearer
    assert 'value="now"' not in cheaper and 'value="next_month"' in cheaper
    contract = SimSubscriber.objects.filter(contract_until__isnull=False).first().number
    client_b, _user_b = _holder_of(contract)
    locked = client_b.get(f"/me/numbers/{contract}/plan/").content.decode()
    assert "合约" in locked and 'data-testid="accept-plan"' not in locked


def test_a_plan_change_for_next_month_is_an_order_applied_at_the_bss_and_texted(telecom):
    client, user = _holder_of(MAIN)
    response = client.post(
        f"/me/numbers/{MAIN}/plan/",
        {"action": "change", "plan": "plan-2", "effective": "next_month", "accept": "on", "token": "t1"},
    )
    order = Order.objects.get(user=user, kind="plan_change")
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert order.status == "paid" and order.payable == 0 and order.service_number == MAIN
    assert fulfilment.run(order.pk) == "completed"
    assert fulfilment.run(order.pk) == "completed"  # a second run changes nothing
    pending = SimSubscriber.objects.get(number=MAIN).pending_plan
    assert pending["code"] == "plan-2" and pending["data_mb"] == 30 * 1024
    assert pending["from"] == selfcare.next_month(order.created_at.date()).isoformat()
    assert SimSms.objects.filter(text__contains="畅享 39 元套餐", text__startswith="【").exists()
    assert order.events.filter(action="change_plan").exists()


def test_a_plan_change_needs_the_number_proved_and_the_rules_met(telecom):
    _client, user = _holder_of(MAIN)
    offer = Offer.objects.get(slug="plan-6")
    with pytest.raises(CheckoutError, match="验证码"):
        telecom_checkout.place_plan_change(user, MAIN, offer, "now", proved=False, token="x")
    with pytest.raises(CheckoutError, match="生效时间"):
        telecom_checkout.place_plan_change(user, MAIN, Offer.objects.get(slug="plan-2"), "now", proved=True, token="y")
    stranger_client, _stranger = _holder_of(SimSubscriber.objects.filter(arrears__gt=0).first().number)
    assert stranger_client.post(f"/me/numbers/{MAIN}/plan/", {"action": "change", "plan": "plan-6"}).status_code == 404
    assert not Order.objects.filter(kind="plan_change", user=user).exists()


def test_a_service_is_cancelled_after_confirming(telecom):
    client, _user = _holder_of(MAIN)
    unconfirmed = client.post(f"/me/numbers/{MAIN}/services/cancel/", {"service": "crbt"}, follow=True)
    assert "勾选" in unconfirmed.content.decode()
    assert not any(s.get("until") for s in SimSubscriber.objects.get(number=MAIN).services)
    done = client.post(f"/me/numbers/{MAIN}/services/cancel/", {"service": "crbt", "confirm": "on"}, follow=True)
    assert "停止" in done.content.decode()
    crbt = next(s for s in SimSubscriber.objects.get(number=MAIN).services if s["code"] == "crbt")
    assert crbt["until"]
    again = client.post(f"/me/numbers/{MAIN}/services/cancel/", {"service": "crbt", "confirm": "on"}, follow=True)
    assert "不能" in again.content.decode()
