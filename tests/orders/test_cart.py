"""Cart services and pages: limits, refusals, price breakdown, merge at sign-in."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from catalog.models import Offer
from orders.cart import services as carts
from orders.models import Cart, CartLine


@pytest.fixture
def offers(carrier_a):
    with schema_context(carrier_a.schema_name):
        return {o.slug: o for o in Offer.objects.prefetch_related("variants")}


@pytest.fixture
def cart(in_carrier_a):
    return Cart.objects.create(token="t" * 32)


def test_add_merges_quantities_and_prices_the_cart(cart, offers):
    phone = offers["phone-1"]
    variant = phone.variants.get(colour="雅川青", storage_gb=256)
    carts.add_to_cart(cart, phone.pk, 1, variant.pk)
    carts.add_to_cart(cart, phone.pk, 2, variant.pk)
    carts.add_to_cart(cart, offers["addon-2"].pk, 2)
    summary = carts.summarise(cart)
    assert [p.line.quantity for p in summary.lines] == [3, 2]
    assert summary.total == phone.sale_price * 3 + offers["addon-2"].sale_price * 2
    assert summary.list_total == phone.list_price * 3 + offers["addon-2"].list_price * 2
    assert summary.discount == Decimal("600") and summary.count == 5


def test_bigger_version_costs_its_difference(cart, offers):
    phone = offers["phone-1"]
    big = phone.variants.get(colour="雅川青", storage_gb=512)
    carts.add_to_cart(cart, phone.pk, 1, big.pk)
    assert carts.summarise(cart).total == phone.sale_price + Decimal("500")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "至少为 1"),
        (-3, "至少为 1"),
        (99999, "最多"),
        ("abc", "整数"),
        (None, "整数"),
    ],
)
def test_bad_quantities_are_refused(cart, offers, quantity, message):
    with pytest.raises(carts.CartError) as refused:
        carts.add_to_cart(cart, offers["addon-1"].pk, quantity)
    assert message in str(refused.value)
    assert not cart.lines.exists()


def test_refusals(cart, offers):
    phone = offers["phone-1"]
    with pytest.raises(carts.CartError, match="颜色"):
        carts.add_to_cart(cart, phone.pk)  # needs a version
    sold_out = phone.variants.filter(stock=0).first()
    if sold_out is None:  # phone-1 has two colours; phone-3 has a sold-out third colour
        phone = offers["phone-3"]
        sold_out = phone.variants.get(stock=0)
    with pytest.raises(carts.CartError, match="仅剩 0"):
        carts.add_to_cart(cart, phone.pk, 1, sold_out.pk)
    with pytest.raises(carts.CartError, match="未在售"):
        carts.add_to_cart(cart, 987654)
    Offer.objects.filter(pk=offers["plan-1"].pk).update(status=Offer.Status.OFF_SALE)
    with pytest.raises(carts.CartError, match="未在售"):
        carts.add_to_cart(cart, offers["plan-1"].pk)
    with pytest.raises(carts.CartError, match="不可办理"):
        carts.add_to_cart(cart, offers["broadband-4"].pk, city_code="shenzhen")
    with pytest.raises(carts.CartError, match="最多"):
        carts.add_to_cart(cart, offers["sim-1"].pk, 2)  # one SIM (one number) per line
    assert not cart.lines.exists()


def test_lines_that_need_input_are_marked(cart, offers):
    carts.add_to_cart(cart, offers["sim-1"].pk)
    carts.add_to_cart(cart, offers["broadband-1"].pk)
    carts.add_to_cart(cart, offers["addon-1"].pk)
    needs = {p.line.offer.slug: p.needs for p in carts.summarise(cart).lines}
    assert needs == {"sim-1": "number", "broadband-1": "address", "addon-1": ""}
    assert carts.summarise(cart).needs_input


def test_off_sale_line_stays_visible_but_is_not_charged(cart, offers):
    carts.add_to_cart(cart, offers["addon-1"].pk, 2)
    carts.add_to_cart(cart, offers["addon-2"].pk, 1)
    Offer.objects.filter(pk=offers["addon-1"].pk).update(status=Offer.Status.OFF_SALE)
    summary = carts.summarise(cart)
    assert summary.lines[0].problem and summary.total == offers["addon-2"].sale_price


def test_set_quantity_and_remove(cart, offers):
    line = carts.add_to_cart(cart, offers["addon-1"].pk, 1)
    carts.set_quantity(cart, line.pk, 4)
    assert CartLine.objects.get(pk=line.pk).quantity == 4
    with pytest.raises(carts.CartError):
        carts.set_quantity(cart, line.pk, 0)
    other = Cart.objects.create(token="o" * 32)
    with pytest.raises(carts.CartError):
        carts.remove_line(other, line.pk)  # not that cart's line
    carts.remove_line(cart, line.pk)
    assert not cart.lines.exists()


def test_cart_pages_show_breakdown_and_refusals(client_a, offers):
    client_a.post("/cart/add/", {"offer": offers["addon-2"].pk, "quantity": "2"})
    page = client_a.get("/cart/").content.decode()
    total = offers["addon-2"].sale_price * 2
    assert 'data-testid="cart-total">¥' in page and f"¥{total:.0f}" in page
    refused = client_a.post("/cart/add/", {"offer": offers["addon-2"].pk, "quantity": "-1"}, follow=True)
    assert refused.status_code == 200 and "至少为 1" in refused.content.decode()
    huge = client_a.post("/cart/add/", {"offer": offers["addon-2"].pk, "quantity": "100000000000"}, follow=True)
    assert "最多" in huge.content.decode()
    assert client_a.post("/cart/lines/999999/remove/", follow=True).status_code == 200
    assert client_a.get("/cart/add/").status_code == 405


def test_anonymous_cart_merges_into_the_account_at_sign_in(client_a, offers, carrier_a):
    with schema_context(carrier_a.schema_name):
        user = get_user_model().objects.create_user(username="13900000001", password="Sub-pass-2026")
        mine = Cart.objects.create(user=user)
        CartLine.objects.create(cart=mine, offer=offers["addon-1"], quantity=1)
    client_a.post("/cart/add/", {"offer": offers["addon-1"].pk, "quantity": "2"})
    client_a.post("/cart/add/", {"offer": offers["plan-2"].pk})
    token = client_a.session["cart_token"]
    response = client_a.post("/me/login/", {"username": "13900000001", "password": "Sub-pass-2026"})
    assert response.status_code == 302
    with schema_context(carrier_a.schema_name):
        lines = {ln.offer.slug: ln.quantity for ln in Cart.objects.get(user=user).lines.select_related("offer")}
        assert lines == {"addon-1": 3, "plan-2": 1}
        assert not Cart.objects.filter(token=token).exists()
    assert "cart_token" not in client_a.session
    assert "畅享 39 元套餐" in client_a.get("/cart/").content.decode()


def test_sign_in_attempts_are_rate_limited(client_a, monkeypatch):
    monkeypatch.setattr("core.ratelimit.now", lambda: 1_800_000_000.0)  # one window, not a boundary
    codes = [
        client_a.post("/me/login/", {"username": "13900000000", "password": "guess"}).status_code for _ in range(12)
    ]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]


def test_buy_now_goes_straight_to_the_order_confirmation(client_a, offers):
    page = client_a.get(f"/offers/{offers['addon-2'].slug}/").content.decode()
    assert 'data-testid="buy-now"' in page and "立即购买" in page
    sim = client_a.get("/offers/sim-1/").content.decode()
    assert 'data-testid="buy-now"' not in sim  # a SIM needs its number chosen first
    response = client_a.post("/cart/add/", {"offer": offers["addon-2"].pk, "buy_now": "1"})
    assert response.status_code == 302 and response["Location"] == "/checkout/"
