"""Checkout's SIM agreements and address picker, the top-up page's balance, numbers on order
screens (issue 15 item 7), through the shop's real pages."""

from decimal import Decimal

import pytest

from orders.checkout import divisions
from orders.checkout import services as checkout
from orders.models import Cart, Order
from tests.support.clients import host_client
from tests.support.orders import DETAILS, PASSWORD, place_sim_order, sim_cart, subscriber

pytestmark = pytest.mark.django_db


def _shop_client(user):
    client = host_client("alpha.localhost")
    assert client.post("/me/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def _checkout_form(user, **changes) -> dict:
    plan = checkout.plan_checkout(Cart.objects.get(user=user))
    form = {k: v for k, v in DETAILS.__dict__.items() if k not in ("accept_terms", "agreements")}
    return {
        **form,
        "token": changes.pop("token", "t1"),
        "expected_total": plan.payable,
        "accept_terms": "on",
        "agreements": [number for number, _display in plan.sims],
        **changes,
    }


def test_every_sim_needs_its_agreements_ticked_and_the_order_records_them(in_carrier_a):
    user = subscriber()
    _cart, number = sim_cart(user)
    client = _shop_client(user)
    page = client.get("/checkout/").content.decode()
    assert f'name="agreements" value="{number}" required' in page
    assert "《入网服务协议》" in page and "《个人信息保护政策》" in page and "/agreements/service/" in page

    refused = client.post("/checkout/", _checkout_form(user, agreements=[]))
    assert refused.status_code == 200 and not Order.objects.filter(user=user).exists()
    assert "请阅读并勾选同意每张号卡的《入网服务协议》和《个人信息保护政策》" in refused.content.decode()

    placed = client.post("/checkout/", _checkout_form(user, token="t2"))
    assert placed.status_code == 302
    order = Order.objects.get(user=user)
    spaced = f"{number[:3]} {number[3:7]} {number[7:]}"
    assert any(spaced in t and "入网服务协议" in t for t in order.terms_accepted)


def test_the_order_service_itself_refuses_a_sim_without_its_agreements(in_carrier_a):
    """Not only the page and the API: no way in places a SIM order without the subscriber's consent."""
    user = subscriber()
    cart, _number = sim_cart(user)
    with pytest.raises(checkout.CheckoutError, match="入网服务协议|network access"):
        checkout.place_from_cart(
            user, cart, DETAILS, token="no-consent", expected_total=checkout.plan_checkout(cart).payable
        )
    assert not Order.objects.filter(user=user).exists()


def test_the_api_also_needs_the_agreements(in_carrier_a):
    user = subscriber()
    sim_cart(user)
    client = _shop_client(user)
    body = {**_checkout_form(user), "expected_total": str(checkout.plan_checkout(Cart.objects.get(user=user)).payable)}
    refused = client.post(
        "/api/v1/orders/", {**body, "agreements": []}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1"
    )
    assert refused.status_code == 400 and "agreements" in refused.json()["error"]["fields"]
    made = client.post("/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a2")
    assert made.status_code == 201, made.content


def test_agreement_pages_are_readable_in_the_shop(client_a):
    for kind, words in (("service", "入网服务协议"), ("privacy", "个人信息保护政策")):
        page = client_a.get(f"/agreements/{kind}/")
        assert page.status_code == 200 and words in page.content.decode()
    assert client_a.get("/agreements/nope/").status_code == 404


def test_the_address_must_be_a_real_province_city_and_district(in_carrier_a):
    user = subscriber()
    sim_cart(user)
    client = _shop_client(user)
    wrong_district = client.post("/checkout/", _checkout_form(user, district="海淀区")).content.decode()
    assert "“海淀区”不是广州市的区县" in wrong_district
    wrong_city = client.post("/checkout/", _checkout_form(user, city="杭州市")).content.decode()
    assert "“杭州市”不是广东省的城市" in wrong_city
    assert not Order.objects.filter(user=user).exists()
    # typed without script, short forms are taken as the one division they name
    assert client.post("/checkout/", _checkout_form(user, city="广州", district="天河")).status_code == 302
    order = Order.objects.get(user=user)
    assert (order.province, order.city, order.district) == ("广东省", "广州市", "天河区")


def test_divisions_data_covers_the_mainland():
    assert len(divisions.provinces()) == 31 and "广东省" in divisions.provinces()
    assert "深圳市" in divisions.cities("广东省") and "南山区" in divisions.districts("广东省", "深圳市")
    assert divisions.cities("北京市") == ["北京市"] and "海淀区" in divisions.districts("北京市", "北京市")


def test_top_up_prefills_my_number_and_shows_its_balance_once_proved(in_carrier_a):
    from django.contrib.auth import get_user_model

    from subscribers import codes
    from tenants.simulators.models import SimSubscriber

    SimSubscriber.objects.create(number="13800138000", plan="畅享 59", balance=Decimal("42.50"))
    SimSubscriber.objects.create(number="13900139000", plan="畅享 59", balance=Decimal("9.00"))
    user = get_user_model().objects.create_user("13800138000", password=PASSWORD)
    client = _shop_client(user)
    page = client.get("/topup/").content.decode()
    # an account named by a number is not proof of it (sign-up sends no code yet): no balance
    assert 'value="13800138000"' in page and "¥42.50" not in page
    assert client.get("/topup/balance/", {"number": "13800138000"}).json() == {"balance": None}
    session = client.session
    codes.remember(session, "13800138000", "deposit")  # proved by an SMS code, as on /deposit/
    session.save()
    page = client.get("/topup/").content.decode()
    assert "当前余额 <strong data-balance-amount>¥42.50</strong>" in page
    for amount in checkout.TOP_UP_PRESETS:
        assert f'name="amount" value="{amount}"' in page
    assert 'name="amount" value="other"' in page
    assert client.get("/topup/balance/", {"number": "13800138000"}).json() == {"balance": "¥42.50"}
    assert client.get("/topup/balance/", {"number": "13900139000"}).json() == {"balance": None}  # not theirs
    assert "¥9.00" not in client.get("/topup/", {"number": "13900139000"}).content.decode()
    # a typed amount wins over a tile; "other" with nothing typed is refused
    typed = client.post("/topup/", {"number": "13800138000", "amount": "30", "custom": "88", "token": "c1"})
    assert typed.status_code == 302 and Order.objects.get(user=user).payable == Decimal("88.00")
    empty = client.post("/topup/", {"number": "13800138000", "amount": "other", "custom": "", "token": "c2"})
    assert "top-up-error" in empty.content.decode()


def test_a_failing_bss_only_hides_the_balance(in_carrier_a):
    from django.contrib.auth import get_user_model

    from tenants.models import Carrier
    from tenants.simulators.models import SimSubscriber

    SimSubscriber.objects.create(number="13800138000", plan="畅享 59", balance=Decimal("42.50"))
    Carrier.objects.filter(pk=in_carrier_a.pk).update(
        gateways={**in_carrier_a.gateways, "bss": {"error_rate": 1.0, "latency_ms": [0, 0]}}
    )
    client = _shop_client(get_user_model().objects.create_user("13800138000", password=PASSWORD))
    from subscribers import codes

    session = client.session
    codes.remember(session, "13800138000", "deposit")
    session.save()
    page = client.get("/topup/")
    assert page.status_code == 200 and 'data-testid="balance" aria-live="polite" hidden' in page.content.decode()
    assert client.get("/topup/balance/", {"number": "13800138000"}).json() == {"balance": None}


def test_order_screens_show_the_order_number_in_full_and_contact_phones_masked(in_carrier_a):
    user = subscriber()
    order, number = place_sim_order(user)
    client = _shop_client(user)
    spaced = f"{number[:3]} {number[3:7]} {number[7:]}"
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert spaced in page and "138****8000" in page and "13800138000" not in page and number not in page
    listing = client.get("/orders/").content.decode()
    assert spaced in listing and number not in listing
    assert '<time datetime="' in listing
