"""Pricing with promotions: scope, floors, classes and what combines, the best combination, exact
allocation in fen, reasons for what does not apply (in the buyer's language), once per person by ID
at checkout, and what the order keeps (discount lines, gift lines, 话费 credit after activation)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.utils import translation

from numberpool.models import MobileNumber, TierRule
from orders import discounts, fulfilment
from orders.cart import services as carts
from orders.checkout import services as checkout
from orders.models import Cart, OrderLine
from promotions.models import Budget, Redemption
from promotions.pricing import Buyer, Candidate, Item, _allocate, quote
from tests.support.orders import DETAILS, fresh_id, paid, place_agreed, sim_cart, subscriber, verify
from tests.support.promotions import device_offer, promotion, public_code

Y = Decimal


def _item(key: int, price: str, quantity: int = 1, floor: str = "0", **more) -> Item:
    return Item(
        key=key,
        offer_id=more.pop("offer_id", key),
        kind=more.pop("kind", "phone"),
        category_ids=frozenset(),
        tags=frozenset(more.pop("tags", ())),
        unit_price=Y(price),
        quantity=quantity,
        floor=Y(floor),
        **more,
    )


def test_allocation_adds_up_to_the_fen():
    shares = _allocate(Y("10.00"), {(1, "goods"): Y("33.33"), (2, "goods"): Y("33.33"), (3, "goods"): Y("33.34")})
    assert sum(shares.values()) == Y("10.00") and all(v in (Y("3.33"), Y("3.34")) for v in shares.values())
    assert _allocate(Y("50"), {(1, "goods"): Y("20")}) == {(1, "goods"): Y("20")}  # never more than the line


def test_a_floor_holds_against_every_reward(in_carrier_a):
    percent = promotion(klass="goods", reward="percent", reward_value=Y("20"))
    order_wide = promotion(klass="order", reward="amount", reward_value=Y("100"))
    basket = [_item(1, "199", floor="180")]
    assert quote(basket, [Candidate(percent)], Buyer()).discount == Y("19.00")  # 20 % would be 39.80
    assert quote(basket, [Candidate(order_wide)], Buyer()).discount == Y("19.00")
    refused = quote([_item(1, "180", floor="180")], [Candidate(percent)], Buyer(), typed=[])
    assert refused.discount == 0


def test_the_best_allowed_combination_wins(in_carrier_a):
    goods = promotion(klass="goods", reward="amount", reward_value=Y("10"), combines_with=["order"])
    order = promotion(klass="order", reward="amount", reward_value=Y("30"), combines_with=["goods"])
    alone = promotion(klass="order", reward="amount", reward_value=Y("35"))  # combines with nothing
    basket = [_item(1, "199")]
    both = quote(basket, [Candidate(goods), Candidate(order), Candidate(alone)], Buyer())
    assert {a.promotion for a in both.applied} == {goods, order} and both.discount == Y("40")
    exclusive = promotion(klass="order", reward="amount", reward_value=Y("45"), exclusive=True)
    best = quote(basket, [Candidate(goods), Candidate(order), Candidate(exclusive)], Buyer())
    assert [a.promotion for a in best.applied] == [exclusive]
    # order-class rewards work on what the goods cost after goods-class ones
    percent = promotion(klass="order", reward="percent", reward_value=Y("10"), combines_with=["goods"])
    stacked = quote(basket, [Candidate(goods), Candidate(percent)], Buyer())
    assert stacked.discount == Y("10") + Y("18.90")


def test_scope_minimum_spend_city_and_eligibility_say_why_not(in_carrier_a):
    with translation.override("zh-hans"):
        spend = promotion(needs_coupon=True, min_spend=Y("300"))
        city = promotion(needs_coupon=True, cities=["shenzhen"])
        new = promotion(needs_coupon=True, eligibility="new")
        basket = [_item(1, "199")]
        for promo, words in ((spend, "300"), (city, "城市"), (new, "新用户")):
            result = quote(basket, [Candidate(promo, code="C")], Buyer(city="guangzhou", is_new=False), typed=["C"])
            assert not result.applied and words in result.refused[0][1], result.refused


def test_a_number_fee_is_waived_down_to_its_tier_floor(in_carrier_a):
    waive = promotion(klass="number_fee", reward="waive_number_fee", number_tiers=["AAA"])
    fee_line = _item(1, "0", kind="sim", number_fee=Y("100"), number_tier="AAA", number_floor=Y("20"))
    assert quote([fee_line], [Candidate(waive)], Buyer()).discount == Y("80")
    other_tier = _item(1, "0", kind="sim", number_fee=Y("100"), number_tier="ABAB")
    assert quote([other_tier], [Candidate(waive)], Buyer()).discount == 0


def test_typed_codes_are_applied_or_refused_with_a_reason(in_carrier_a):
    offer, variant = device_offer(Y("199"))
    promo = promotion(needs_coupon=True)
    code = public_code(promo, total=1).code
    user = subscriber()
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, offer.pk, variant_id=variant.pk)
    carts.add_code(cart, code.lower())
    carts.add_code(cart, "NOSUCHCODE")
    with translation.override("zh-hans"):
        summary = carts.summarise(cart)
    assert summary.promotion_discount == Y("30") and summary.total == Y("169")
    assert summary.quote.applied[0].code == code
    assert summary.quote.refused == [("NOSUCHCODE", "没有这个券码的优惠券。")]
    order = checkout.place_from_cart(user, cart, DETAILS, token=uuid.uuid4().hex, expected_total=summary.total)
    assert order.payable == Y("169") and order.discount_total == Y("30")
    assert order.payable == order.goods_total - order.discount_total + order.deposit_total
    (line,) = order.discounts.all()
    assert (line.name, line.code, line.amount) == ("满100减30", code, Y("30"))
    assert order.lines.get(category="goods").discount == Y("30")
    # used up: the next buyer is told so
    other = Cart.objects.create(user=subscriber())
    carts.add_to_cart(other, offer.pk, variant_id=variant.pk)
    carts.add_code(other, code)
    with translation.override("zh-hans"):
        assert carts.summarise(other).quote.refused == [(code, "这个券码已被用完。")]


def test_once_per_person_counts_the_holders_id_not_the_account(in_carrier_a):
    """Two accounts, one holder's ID: the second new SIM is refused the once-per-person promotion,
    with the reason, and nothing is written for it."""
    promo = promotion(klass="goods", reward="amount", reward_value=Y("5"), offer_kinds=["sim"], per_person_limit=1)
    holder = fresh_id()
    details = DETAILS.__class__(**{**DETAILS.__dict__, "holder_id_number": holder})
    first_user = subscriber()
    cart, _number = sim_cart(first_user)
    first = place_agreed(first_user, cart, details, token="a", expected_total=checkout.plan_checkout(cart).payable)
    assert first.discounts.get().promotion == promo
    second_user = subscriber()
    cart2, _number2 = sim_cart(second_user)
    shown = checkout.plan_checkout(cart2).payable  # the account alone does not know the person
    with pytest.raises(checkout.PricesChanged) as refused, translation.override("en"):
        place_agreed(second_user, cart2, details, token="b", expected_total=shown)
    assert "as often as one person may" in str(refused.value)  # the holder's ID had it: said, and priced without
    assert not second_user.orders.exists()
    assert Redemption.objects.filter(promotion=promo).count() == 1


def test_closing_gives_back_and_paying_redeems(in_carrier_a):
    offer, variant = device_offer(Y("199"))
    promo = promotion(budget_kind="money", budget_limit=Y("100"), per_person_limit=1)
    user = subscriber()
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, offer.pk, variant_id=variant.pk)
    order = checkout.place_from_cart(user, cart, DETAILS, token="c", expected_total=Y("169"))
    assert Budget.objects.get(promotion=promo).used == Y("30")
    discounts.release(order)
    discounts.release(order)  # twice changes nothing
    assert Budget.objects.get(promotion=promo).used == 0
    assert Redemption.objects.get(promotion=promo).status == "released"


def test_a_refund_of_some_lines_gives_their_part_back(in_carrier_a):
    offer, variant = device_offer(Y("100"))
    other, other_variant = device_offer(Y("300"))
    promo = promotion(budget_kind="money", budget_limit=Y("1000"), reward_value=Y("40"))
    user = subscriber()
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, offer.pk, variant_id=variant.pk)
    carts.add_to_cart(cart, other.pk, variant_id=other_variant.pk)
    order = checkout.place_from_cart(user, cart, DETAILS, token="d", expected_total=Y("360"))
    cheap = order.lines.get(offer=offer)
    assert cheap.discount == Y("10") and order.lines.get(offer=other).discount == Y("30")  # pro rata
    assert discounts.refund_for_lines(order, [cheap.pk]) == Y("90")
    assert discounts.release_lines(order, [cheap.pk]) == Y("10")
    assert Budget.objects.get(promotion=promo).used == Y("30")


def test_credit_and_a_free_add_on_arrive_after_activation(quick):
    from tenants.simulators.models import SimSubscriber

    addon = next(
        o for o in __import__("catalog.models", fromlist=["Offer"]).Offer.objects.on_sale() if o.kind == "addon"
    )
    credit = promotion(
        klass="order", reward="bss_credit", reward_value=Y("50"), offer_kinds=["sim"], combines_with=["goods"]
    )
    gift = promotion(
        klass="goods", reward="free_addon", reward_offer=addon, offer_kinds=["sim"], combines_with=["order"]
    )
    user = subscriber()
    cart, number = sim_cart(user)
    plan = checkout.plan_checkout(cart)
    order = place_agreed(
        user,
        cart,
        DETAILS.__class__(**{**DETAILS.__dict__, "holder_id_number": fresh_id()}),
        token="e",
        expected_total=plan.payable,
    )
    assert {a.promotion for a in plan.summary.quote.applied} == {credit, gift}
    assert order.lines.filter(category=OrderLine.Category.GIFT).count() == 2
    order = paid(order)
    with pytest.raises(fulfilment.steps.Wait):
        fulfilment.run(order.pk)
    verify(order)
    assert fulfilment.run(order.pk) == "completed"
    sim_credit = Y(str(order.lines.get(offer_kind="sim").offer.attributes.get("prepaid_credit") or 0))
    assert SimSubscriber.objects.get(number=number).balance == sim_credit + Y("50")
    activate = order.steps.get(step="activate").result
    assert activate["credited"] == ["50.00"]
    assert Redemption.objects.filter(order_ref=discounts.ref(order), status="redeemed").count() == 2
    assert MobileNumber.objects.filter(number=number).exists() and TierRule.objects.exists()


def test_the_receipt_and_the_staff_work_order_show_what_was_discounted(in_carrier_a, client_a):
    from django.utils import timezone

    from tests.support.clients import STAFF_PASSWORD, host_client, sign_in
    from tests.support.orders import PASSWORD

    offer, variant = device_offer(Y("199"))
    promotion(reward="bss_credit", reward_value=Y("20"), klass="order", combines_with=["goods"])  # no number: not given
    promotion(klass="goods", reward="amount", reward_value=Y("15"), description="直降15", combines_with=["order"])
    user = subscriber()
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, offer.pk, variant_id=variant.pk)
    order = checkout.place_from_cart(user, cart, DETAILS, token="r", expected_total=Y("184"))
    shopper = host_client("alpha.localhost")
    assert shopper.post("/me/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    assert shopper.get(f"/orders/{order.number}/receipt/").status_code == 404  # not before it is paid
    type(order).objects.filter(pk=order.pk).update(status="paid", paid_at=timezone.now())
    receipt = shopper.get(f"/orders/{order.number}/receipt/").content.decode()
    assert "直降15" in receipt and "−¥15" in receipt and "¥184" in receipt
    assert "话费" not in receipt  # a phone order has no number to credit: the 话费 promotion did not apply
    assert 'data-testid="receipt-link"' in shopper.get(f"/orders/{order.number}/").content.decode()
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    page = client_a.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert 'data-testid="order-discounts"' in page and "直降15" in page


def test_a_citys_share_of_a_budget_runs_out_on_its_own(in_carrier_a):
    """Budget per attribute: ¥30 for 广州 inside ¥1,000 for all — the second 广州 order is refused the
    discount while a 深圳 order still gets it, and both rows count what they gave."""
    offer, variant = device_offer(Y("199"))
    promo = promotion(budget_kind="money", budget_limit=Y("1000"), budget_per_city={"guangzhou": "30"})

    def order_in(city: str, expected: str, token: str):
        user = subscriber()
        cart = Cart.objects.create(user=user)
        carts.add_to_cart(cart, offer.pk, variant_id=variant.pk, city_code=city)
        assert carts.summarise(cart).total == Y(expected)
        return checkout.place_from_cart(user, cart, DETAILS, token=token, expected_total=Y(expected))

    order_in("guangzhou", "169", "g1")
    order_in("guangzhou", "199", "g2")  # 广州's ¥30 is spent: shown at full price, placed at full price
    order_in("shenzhen", "169", "s1")
    used = dict(Budget.objects.filter(promotion=promo).values_list("key", "used"))
    assert used == {"": Y("60"), "city:guangzhou": Y("30")}


def test_what_the_review_found(in_carrier_a):
    """A quantity still adds up after a city change; a once-per-person automatic promotion is left out
    of the price for a person who had it (not refused again at every checkout); an order-class fixed
    price is the price; 话费 credit needs a number; a gift is worth its add-on; a huge batch id is
    refused, not a 500; a city-only budget does not reach other cities."""
    from promotions import services
    from tests.support.promotions import claimable

    offer, variant = device_offer(Y("199"))
    user = subscriber()
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, offer.pk, variant_id=variant.pk, city_code="guangzhou")
    carts.add_to_cart(cart, offer.pk, variant_id=variant.pk, city_code="shenzhen")
    assert cart.lines.get().quantity == 2
    once = promotion(per_person_limit=1)
    first = checkout.place_from_cart(user, cart, DETAILS, token="o1", expected_total=Y("368"))
    assert first.discounts.get().promotion == once
    carts.add_to_cart(cart, offer.pk, variant_id=variant.pk)
    assert carts.summarise(cart).total == Y("199")  # had it: the price says so before checkout
    checkout.place_from_cart(user, cart, DETAILS, token="o2", expected_total=Y("199"))

    fixed = promotion(klass="order", reward="fixed_price", reward_value=Y("99"), exclusive=True, priority=5)
    basket = [_item(1, "300"), _item(2, "200")]
    assert quote(basket, [Candidate(fixed)], Buyer()).discount == Y("401")  # ¥500 of goods for ¥99
    credit = promotion(reward="bss_credit", reward_value=Y("20"))
    assert not quote(basket, [Candidate(credit)], Buyer()).applied  # phones: no number to credit
    assert quote([_item(1, "30", kind="sim")], [Candidate(credit)], Buyer()).credit == Y("20")
    addon = __import__("catalog.models", fromlist=["Offer"]).Offer.objects.filter(kind="addon").first()
    gift = promotion(reward="free_addon", reward_offer=addon, budget_kind="money", budget_limit=Y("1"))
    alone = quote([_item(1, "30", kind="sim")], [Candidate(gift, left=Y("1000"))], Buyer())
    assert alone.applied[0].gift_value == addon.sale_price == alone.applied[0].budget_need
    assert not quote([_item(1, "30", kind="sim")], [Candidate(gift, left=Y("1"))], Buyer()).applied

    with pytest.raises(services.ClaimRefused) as refused:
        services.claim(user, "99999999999999999999")
    assert refused.value.code == "unknown"
    assert claimable(promotion(needs_coupon=True)).pk

    local = promotion(needs_coupon=True, budget_kind="money", budget_per_city={"guangzhou": "100"})
    code = public_code(local).code
    elsewhere = Cart.objects.create(user=subscriber())
    carts.add_to_cart(elsewhere, offer.pk, variant_id=variant.pk, city_code="shenzhen")
    carts.add_code(elsewhere, code)
    with translation.override("zh-hans"):
        assert carts.summarise(elsewhere).quote.refused == [(code, "您所在城市不可参加。")]
