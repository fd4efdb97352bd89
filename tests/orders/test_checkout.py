"""Checkout: placing an order from the cart freezes prices, moves the number's hold to the order,
is idempotent (also under parallel submits) and refuses tampered or stale input writing nothing."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.models import Offer, OfferVariant
from numberpool.models import MobileNumber
from orders.cart import services as carts
from orders.checkout import services as checkout
from orders.models import Cart, Order
from realname.models import Identity
from tests.support.clients import host_client
from tests.support.orders import DETAILS, ID_NUMBER, NAME, PASSWORD, place_agreed, place_sim_order, sim_cart, subscriber


def test_placing_freezes_lines_and_moves_the_hold_to_the_order(in_carrier_a):
    user = subscriber()
    order, number = place_sim_order(user)
    assert order.status == "awaiting_payment" and order.kind == "new_sim"
    assert len(order.number) >= 12 and order.number[:6] == timezone.localdate().strftime("%y%m%d")
    goods = order.lines.get(category="goods")
    sim = Offer.objects.get(slug="sim-1")
    assert (goods.name, goods.unit_price, goods.unit_list_price, goods.number) == (
        sim.name,
        sim.sale_price,
        sim.list_price,
        number,
    )
    held = MobileNumber.objects.get(number=number)
    assert held.hold_owner == order.hold_owner and held.status == "held"
    assert held.held_until == order.payment_due_at + checkout.HOLD_GRACE
    assert abs((order.payment_due_at - timezone.now()) - timedelta(minutes=30)) < timedelta(minutes=1)
    assert order.payable == sim.sale_price + held.price
    assert order.payable == order.goods_total - order.discount_total + order.deposit_total
    assert not Cart.objects.get(user=user).lines.exists()  # bought lines leave the cart
    assert list(order.events.values_list("action", flat=True)) == ["placed"]


def test_identity_is_stored_encrypted_and_masked(in_carrier_a):
    order, _number = place_sim_order()
    identity = order.identity
    assert identity.id_number_masked == "110***********002X" and identity.name_masked == "张*"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM realname_identity WHERE id = %s", [identity.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert ID_NUMBER not in row and NAME not in row
    assert identity.reveal() == (NAME, ID_NUMBER)


def test_the_same_token_places_one_order(in_carrier_a):
    user = subscriber()
    cart, _number = sim_cart(user)
    total = checkout.plan_checkout(cart).payable
    first = place_agreed(user, cart, DETAILS, token="tok-1", expected_total=total)
    again = place_agreed(user, cart, DETAILS, token="tok-1", expected_total=total)
    assert first.pk == again.pk and Order.objects.filter(user=user).count() == 1


def test_a_changed_or_tampered_total_is_refused_and_nothing_is_written(in_carrier_a):
    user = subscriber()
    cart, number = sim_cart(user)
    total = checkout.plan_checkout(cart).payable
    identities = Identity.objects.count()
    with pytest.raises(checkout.PricesChanged):
        place_agreed(user, cart, DETAILS, token="t", expected_total=total - Decimal("1"))
    assert not Order.objects.filter(user=user).exists() and Identity.objects.count() == identities
    assert MobileNumber.objects.get(number=number).hold_owner == carts.hold_owner(cart)
    assert cart.lines.count() == 1


def test_an_expired_hold_or_an_off_sale_offer_is_refused(in_carrier_a):
    user = subscriber()
    cart, number = sim_cart(user)
    total = checkout.plan_checkout(cart).payable
    MobileNumber.objects.filter(number=number).update(held_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(checkout.CheckoutError, match="选号|number"):
        place_agreed(user, cart, DETAILS, token="a", expected_total=total)
    MobileNumber.objects.filter(number=number).update(held_until=timezone.now() + timedelta(minutes=5))
    Offer.objects.filter(slug="sim-1").update(status="off_sale")
    with pytest.raises(checkout.CheckoutError):
        place_agreed(user, cart, DETAILS, token="b", expected_total=total)
    assert not Order.objects.filter(user=user).exists()


def test_terms_of_a_lucky_number_must_be_accepted(in_carrier_a):
    user = subscriber()
    lucky = MobileNumber.objects.filter(status="available", contract_months__gt=0).first()
    cart, _number = sim_cart(user, number=lucky.number)
    plan = checkout.plan_checkout(cart)
    assert plan.terms and lucky.tier in plan.terms[0]
    refused = DETAILS.__class__(**{**DETAILS.__dict__, "accept_terms": False})
    with pytest.raises(checkout.CheckoutError):
        place_agreed(user, cart, refused, token="c", expected_total=plan.payable)
    order = place_agreed(user, cart, DETAILS, token="d", expected_total=plan.payable)
    fee = order.lines.get(category="number_fee")
    assert fee.unit_price == lucky.price and fee.terms["contract_months"] == lucky.contract_months
    assert order.deposit_total == lucky.price and order.terms_accepted[: len(plan.terms)] == plan.terms


def test_stock_is_reserved_at_placing(in_carrier_a):
    user = subscriber()
    variant = OfferVariant.objects.filter(stock__gt=0).select_related("offer").first()
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, variant.offer_id, variant_id=variant.pk)
    plan = checkout.plan_checkout(cart)
    assert plan.kind == "device" and plan.needs == {"address"}
    place_agreed(user, cart, DETAILS, token="s", expected_total=plan.payable)
    assert OfferVariant.objects.get(pk=variant.pk).stock == variant.stock - 1


@pytest.fixture
def committed_cart(django_db_blocker):
    """A subscriber with a SIM and a held number in the cart, committed (threads need to see it)."""
    with django_db_blocker.unblock(), schema_context("c_alpha"):
        user = subscriber()
        cart, number = sim_cart(user)
        total = checkout.plan_checkout(cart).payable
    yield user, cart, number, total
    with django_db_blocker.unblock(), schema_context("c_alpha"):
        for order in Order.objects.filter(user=user):
            order.events.all().delete()
            order.lines.all().delete()
            order.delete()
        Identity.objects.filter(orders__isnull=True).delete()
        MobileNumber.objects.filter(number=number).update(status="available", hold_owner="", held_until=None)
        Cart.objects.filter(user=user).delete()
        user.delete()


def test_parallel_double_submit_makes_one_order(committed_cart, django_db_blocker):
    user, cart, _number, total = committed_cart
    token, results, errors = uuid.uuid4().hex, [], []
    barrier = threading.Barrier(6)

    def submit():
        try:
            with schema_context("c_alpha"):
                barrier.wait()
                results.append(place_agreed(user, cart, DETAILS, token=token, expected_total=total).pk)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=submit) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        with schema_context("c_alpha"):
            assert Order.objects.filter(user=user).count() == 1
            assert set(results) == set(Order.objects.filter(user=user).values_list("pk", flat=True))


def _shop_client(user):
    client = host_client("alpha.localhost")
    assert client.post("/me/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_checkout_page_asks_per_kind_and_places_then_goes_to_the_gateway(in_carrier_a):
    user = subscriber()
    sim_cart(user)
    client = _shop_client(user)
    page = client.get("/checkout/").content.decode()
    for name in ("holder_name", "holder_id_number", "recipient", "address_detail"):
        assert f'name="{name}"' in page
    assert 'name="service_number"' not in page and "实名登记" in page
    form = {k: v for k, v in DETAILS.__dict__.items() if k not in ("accept_terms", "agreements")}
    form["agreements"] = [number for number, _display in checkout.plan_checkout(Cart.objects.get(user=user)).sims]
    total = checkout.plan_checkout(Cart.objects.get(user=user)).payable
    bad = client.post(
        "/checkout/",
        {**form, "holder_id_number": "110105194912310021", "token": "x", "expected_total": total, "accept_terms": "on"},
    )
    assert "最后一位校验码不符" in bad.content.decode() and not Order.objects.filter(user=user).exists()
    response = client.post("/checkout/", {**form, "token": "y", "expected_total": total, "accept_terms": "on"})
    order = Order.objects.get(user=user)
    assert response.status_code == 302 and response["Location"].startswith("/sim/pay/")
    assert order.payments.count() == 1


def test_tampered_total_in_the_form_shows_the_new_total(in_carrier_a):
    user = subscriber()
    sim_cart(user)
    client = _shop_client(user)
    form = {k: v for k, v in DETAILS.__dict__.items() if k not in ("accept_terms", "agreements")}
    form["agreements"] = [number for number, _display in checkout.plan_checkout(Cart.objects.get(user=user)).sims]
    body = client.post("/checkout/", {**form, "token": "z", "expected_total": "0.01", "accept_terms": "on"})
    assert "价格已变化" in body.content.decode() and not Order.objects.filter(user=user).exists()


def test_top_up_amount_limits_and_order(in_carrier_a):
    from tenants.simulators.models import SimSubscriber

    SimSubscriber.objects.create(number="13800138000", plan="畅享 59")
    user = subscriber()
    for bad in ("5", "abc", "12.5", "9999", "sNaN", "Infinity"):
        with pytest.raises(checkout.CheckoutError):
            checkout.place_top_up(user, "13800138000", bad, token=bad)
    with pytest.raises(checkout.CheckoutError):
        checkout.place_top_up(user, "1234", "50", token="n")
    with pytest.raises(checkout.CheckoutError, match="不是本运营商|not a number of this carrier"):
        checkout.place_top_up(user, "13900139000", "50", token="m")
    order = checkout.place_top_up(user, "13800138000", "50", token="ok")
    assert (order.kind, order.payable, order.service_number) == ("top_up", Decimal("50.00"), "13800138000")
    assert not order.identity_id


def test_order_numbers_are_per_carrier_and_orders_isolated(in_carrier_a, carrier_b, client_b):
    order, _number = place_sim_order()
    connection.set_tenant(carrier_b)
    assert not Order.objects.filter(number=order.number).exists()
    from tenants.simulators.models import SimSubscriber

    SimSubscriber.objects.create(number="13800138000", plan="畅享 59")
    user_b = subscriber()
    b_order = checkout.place_top_up(user_b, "13800138000", "30", token="b")
    assert b_order.number[:6] == order.number[:6]


def test_api_places_with_an_idempotency_key_and_lists_only_mine(in_carrier_a):
    user = subscriber()
    sim_cart(user)
    client = _shop_client(user)
    plan = checkout.plan_checkout(Cart.objects.get(user=user))
    total = plan.payable
    body = {
        **{k: v for k, v in DETAILS.__dict__.items()},
        "expected_total": str(total),
        "agreements": [number for number, _display in plan.sims],
    }
    refused = client.post("/api/v1/orders/", body, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "idempotency_key_required"
    made = client.post("/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["holder"] == "张* 110***********002X" and ID_NUMBER not in made.content.decode()
    assert data["timeline"][0]["action"] == "placed"
    again = client.post("/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201 and again.json()["number"] == data["number"]
    listing = client.get("/api/v1/orders/").json()
    assert [o["number"] for o in listing["results"]] == [data["number"]]
    other = _shop_client(subscriber())
    assert other.get(f"/api/v1/orders/{data['number']}/").status_code == 404
    assert other.get(f"/orders/{data['number']}/").status_code == 404
