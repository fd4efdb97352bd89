"""Flows that act on a number skip the code for a bound number and pre-fill it; a number not bound
still needs its code; add-on and plan orders need the number proved."""

from decimal import Decimal

import pytest

from catalog.models import Offer
from core.money import yuan
from orders.cart import services as carts
from orders.checkout import services as checkout
from orders.checkout.form import CheckoutDetails
from orders.models import Cart
from subscribers import bindings
from subscribers.models import BoundNumber, NumberAuthCode
from tenants.simulators.models import SimSms, SimSubscriber
from tests.support.subscribers import signed_in_by_code
from tests.support.telecom import MAIN

pytestmark = pytest.mark.django_db


def _holder(bind: bool = True):
    client, user = signed_in_by_code()
    if bind:
        bindings.bind(user, MAIN, BoundNumber.Proof.CODE)
    NumberAuthCode.objects.filter(number=MAIN).delete()
    return client, user


def test_a_bound_number_takes_a_deposit_offer_without_a_code(telecom):
    client, _user = _holder()
    texts = SimSms.objects.filter(number=MAIN).count()
    page = client.get("/deposit/deposit-100/").content.decode()
    assert f'value="{MAIN}"' in page  # pre-filled
    client.post("/deposit/deposit-100/", {"action": "send", "number": MAIN})
    verified = client.get("/deposit/deposit-100/").content.decode()
    assert 'data-testid="deposit-place"' in verified and SimSms.objects.filter(number=MAIN).count() == texts


def test_an_unbound_number_still_needs_its_code(telecom):
    client, _user = _holder(bind=False)
    client.post("/deposit/deposit-100/", {"action": "send", "number": MAIN})
    page = client.get("/deposit/deposit-100/").content.decode()
    assert 'data-testid="code-form"' in page and 'data-testid="deposit-place"' not in page


def test_broadband_renewal_of_an_account_on_a_bound_number_skips_the_code(telecom):
    client, _user = _holder()
    response = client.post("/broadband/renew/", {"action": "lookup", "query": "BB1800001"})
    assert response.status_code == 302 and response["Location"] == "/broadband/renew/BB1800001/"
    account = client.get("/broadband/renew/BB1800001/")  # no "confirm the code first" bounce
    assert account.status_code == 200 and "BB1800001" in account.content.decode()


def test_top_up_pre_fills_the_bound_number_and_shows_its_balance(telecom):
    client, _user = _holder()
    page = client.get("/topup/").content.decode()
    balance = SimSubscriber.objects.get(number=MAIN)
    assert f'value="{MAIN}"' in page and yuan(balance.balance - balance.arrears) in page


def test_an_add_on_order_needs_its_number_proved(telecom):
    _client, user = _holder(bind=False)
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, Offer.objects.get(slug="addon-1").pk)
    plan = checkout.plan_checkout(cart)
    details = CheckoutDetails(service_number=MAIN, accept_terms=True)
    with pytest.raises(checkout.ServiceNumberNotProved, match="我的"):
        checkout.place_from_cart(user, cart, details, token="a1", expected_total=plan.payable)
    order = checkout.place_from_cart(
        user, cart, details, token="a2", expected_total=plan.payable, proved=frozenset([MAIN])
    )
    assert order.kind == "addon" and order.service_number == MAIN and order.payable == plan.payable > Decimal(0)
