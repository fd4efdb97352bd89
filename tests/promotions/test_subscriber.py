"""The subscriber side of promotions: claiming coupons and red packets (pages and API), the 卡券
wallet, the coupon and flash-sale blocks, the festival page's window, discount lines and typed
codes on the cart, and the API's stable refusal codes."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from catalog.models import Offer
from core.fragments import CSRF_HOLE
from core.money import yuan
from promotions.models import Coupon, CouponBatch, Festival, Promotion
from subscribers import bindings
from subscribers.models import BoundNumber
from tests.support import promotions as make
from tests.support.clients import host_client
from tests.support.subscribers import signed_in_by_code
from tests.support.telecom import MAIN

pytestmark = pytest.mark.django_db
P = Promotion.Status


def zh(message: str) -> str:
    """The message as a zh-hans visitor reads it (translated or, until then, the msgid)."""
    with translation.override("zh-hans"):
        return gettext(message)


def _addon() -> Offer:
    return Offer.objects.on_sale().get(slug="addon-2")


def test_claims_are_counted_once_per_account_and_run_out(telecom):
    batch = make.batch(make.coupon_promotion(), total=2)
    first, first_user = signed_in_by_code()
    done = first.post("/coupons/claim/", {"batch": batch.pk, "next": "/me/coupons/"})
    assert done.status_code == 302 and done["Location"] == "/me/coupons/"
    assert Coupon.objects.get(batch=batch, user=first_user).status == Coupon.Status.CLAIMED
    again = first.post("/coupons/claim/", {"batch": batch.pk})
    assert again.status_code == 409 and zh("You have already claimed this.") in again.content.decode()
    second, _ = signed_in_by_code()
    assert (
        second.post("/api/v1/coupons/claim/", {"batch": batch.pk}, content_type="application/json").status_code == 201
    )
    third, _ = signed_in_by_code()
    gone = third.post("/api/v1/coupons/claim/", {"batch": batch.pk}, content_type="application/json")
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "all_claimed"
    batch.refresh_from_db()
    assert batch.issued == 2 and Coupon.objects.filter(batch=batch).count() == 2


def test_claims_are_rate_limited_per_account(telecom, monkeypatch):
    from selfcare import coupons

    monkeypatch.setattr(coupons, "CLAIMS_PER_MINUTE", 2)
    promo = make.coupon_promotion()
    batches = [make.batch(promo, name=f"券{i}") for i in range(3)]
    client, _ = signed_in_by_code()
    answers = [client.post("/api/v1/coupons/claim/", {"batch": b.pk}, content_type="application/json") for b in batches]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json()["error"]["code"] == "slow_down"


def test_anonymous_visitors_sign_in_first_and_come_back(in_carrier_a):
    batch = make.batch(make.coupon_promotion())
    answer = host_client("alpha.localhost").post("/coupons/claim/", {"batch": batch.pk, "next": "/festival/x/"})
    assert answer.status_code == 302 and answer["Location"].startswith("/me/login/?next=/festival/x/")
    api = host_client("alpha.localhost").post("/api/v1/coupons/claim/", {"batch": batch.pk})
    assert api.status_code in (401, 403)


def test_a_phone_credit_red_packet_goes_to_a_bound_number(telecom):
    promo = make.coupon_promotion(reward=Promotion.Reward.BSS_CREDIT, reward_value=Decimal("5"), name="抢红包")
    packets = make.batch(promo, kind=CouponBatch.Kind.RED_PACKET, name="5 元话费红包")
    client, user = signed_in_by_code()
    refused = client.post("/api/v1/coupons/claim/", {"batch": packets.pk}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "number"
    bindings.bind(user, MAIN, BoundNumber.Proof.CODE)
    asked = client.post("/coupons/claim/", {"batch": packets.pk})  # which number? the wallet asks
    assert asked.status_code == 302 and f"claim={packets.pk}" in asked["Location"]
    wallet = client.get(asked["Location"]).content.decode()
    assert 'name="number"' in wallet and MAIN in wallet
    other = client.post(
        "/api/v1/coupons/claim/", {"batch": packets.pk, "number": "13900000000"}, content_type="application/json"
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "number"  # not theirs
    done = client.post("/api/v1/coupons/claim/", {"batch": packets.pk, "number": MAIN}, content_type="application/json")
    assert done.status_code == 201 and done.json()["number"] == MAIN
    page = client.get("/me/coupons/").content.decode()
    assert "5 元话费红包" in page and zh("Being credited to %(number)s.") % {"number": MAIN} in page


def test_the_wallet_puts_usable_coupons_first_and_says_why_not(telecom):
    usable = make.coupon_promotion(name="可用", description="立减 10 元", min_spend=Decimal("50"))
    paused = make.coupon_promotion(name="暂停", description="暂停的券")
    client, user = signed_in_by_code()
    for promo in (paused, usable):
        assert (
            client.post(
                "/api/v1/coupons/claim/", {"batch": make.batch(promo).pk}, content_type="application/json"
            ).status_code
            == 201
        )
    paused.status = P.PAUSED
    paused.save()
    rows = client.get("/api/v1/me/coupons/").json()
    assert [r["usable"] for r in rows] == [True, False]
    assert rows[1]["why"] == zh("This promotion is paused.")
    assert rows[0]["reward"] == zh("%(amount)s off") % {"amount": "¥10"}
    page = client.get("/me/coupons/").content.decode()
    assert page.index("立减 10 元") < page.index("暂停的券") and zh("This promotion is paused.") in page
    assert 'href="/me/coupons/"' in client.get("/me/").content.decode()  # linked from 我的


def test_the_coupon_block_offers_a_claim_and_hides_when_paused_or_ended(in_carrier_a):
    promo = make.coupon_promotion(min_spend=Decimal("100"))
    batch = make.batch(promo, total=50)
    make.home_with_coupon(batch.pk, "领券中心")
    home = host_client("alpha.localhost").get("/").content.decode()
    assert "领券中心" in home and zh("%(amount)s off") % {"amount": "¥10"} in home
    assert zh("On orders from %(amount)s") % {"amount": "¥100"} in home and 'name="batch"' in home
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]{20,}"', home) and CSRF_HOLE not in home
    connection.set_tenant(in_carrier_a)
    promo.status = P.PAUSED
    promo.save()
    assert "领券中心" not in host_client("alpha.localhost").get("/").content.decode()
    connection.set_tenant(in_carrier_a)
    promo.status, promo.ends_at = P.PUBLISHED, timezone.now() - timedelta(minutes=1)
    promo.starts_at = promo.ends_at - timedelta(hours=1)
    promo.save()
    assert "领券中心" not in host_client("alpha.localhost").get("/").content.decode()


def test_the_coupon_editor_offers_only_claimable_batches_of_promotions_not_ended(in_carrier_a):
    from storefront.decoration.blocks import REGISTRY, BlockSettingsForm

    live = make.batch(make.coupon_promotion())
    code = make.batch(make.coupon_promotion(), kind=CouponBatch.Kind.PUBLIC_CODE, code="SAVE10")
    ended = make.batch(make.coupon_promotion(status=P.ENDED))
    form = BlockSettingsForm(REGISTRY["coupon"], {"title": "领券", "batch": str(live.pk)})
    assert form.is_valid()
    offered = {value for value, _label in form.fields["batch"].choices}
    assert str(live.pk) in offered and str(code.pk) not in offered and str(ended.pk) not in offered


def test_the_flash_sale_block_shows_flash_prices_and_a_countdown(in_carrier_a):
    offer = _addon()
    promo = make.coupon_promotion(
        name="整点秒杀", flash=True, needs_coupon=False, reward=Promotion.Reward.FIXED_PRICE, reward_value=Decimal("1")
    )
    promo.offers.set([offer])
    from storefront.decoration import services
    from storefront.decoration.models import Page

    document = {
        "schema_version": 1,
        "sections": [
            {
                "id": "flash-1",
                "type": "flash_sale",
                "disabled": False,
                "settings": {"title": "限时秒杀", "promotion": str(promo.pk), "limit": 4},
            }
        ],
    }
    services.publish_document(Page.Kind.HOME, "home", "首页", document)
    home = host_client("alpha.localhost").get("/").content.decode()
    assert "限时秒杀" in home and offer.name in home and "data-countdown" in home
    assert f'data-testid="flash-price">{yuan(max(Decimal("1"), offer.price_floor))}<' in home
    connection.set_tenant(in_carrier_a)
    promo.starts_at, promo.ends_at = timezone.now() + timedelta(days=3), timezone.now() + timedelta(days=4)
    promo.save()  # beyond the warm-up: hidden
    assert "限时秒杀" not in host_client("alpha.localhost").get("/").content.decode()
    connection.set_tenant(in_carrier_a)
    promo.starts_at = timezone.now() + timedelta(hours=2)
    promo.save()  # within the warm-up: a countdown to its start
    assert "限时秒杀" in host_client("alpha.localhost").get("/").content.decode()


def test_the_festival_page_shows_itself_only_from_its_warm_up_to_its_end(in_carrier_a):
    now = timezone.now()
    festival = Festival.objects.create(
        name="517 狂欢节",
        slug="fest517",
        warmup_from=now + timedelta(hours=1),
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
    )
    client = host_client("alpha.localhost")
    assert client.get("/festival/fest517/").status_code == 404
    connection.set_tenant(in_carrier_a)
    festival.warmup_from = now - timedelta(hours=1)
    festival.save()
    offer = _addon()
    promo = make.coupon_promotion(name="节日秒杀", festival=festival, flash=True, reward=Promotion.Reward.AMOUNT)
    promo.offers.set([offer])
    make.batch(promo, name="节日券")
    page = client.get("/festival/fest517/")
    body = page.content.decode()
    assert page.status_code == 200 and "517 狂欢节" in body and "data-countdown" in body
    assert "节日券" in body and 'data-testid="claim"' in body and offer.name in body
    connection.set_tenant(in_carrier_a)
    festival.starts_at, festival.ends_at = now - timedelta(days=2), now - timedelta(minutes=1)
    festival.save()
    assert client.get("/festival/fest517/").status_code == 404
    assert client.get("/festival/nope/").status_code == 404


def test_the_cart_shows_each_discount_with_its_reason_and_refused_codes(in_carrier_a):
    offer = _addon()
    make.coupon_promotion(
        name="自动",
        description="加油包立减 ¥2",
        needs_coupon=False,
        reward_value=Decimal("2"),
        offers=[offer],
        combines_with=["order"],
    )
    coded = make.coupon_promotion(
        name="口令", description="口令立减 ¥1", reward_value=Decimal("1"), combines_with=["goods"], klass="order"
    )
    make.batch(coded, kind=CouponBatch.Kind.PUBLIC_CODE, code="SAVE1", total=0, name="口令券")
    client = host_client("alpha.localhost")
    client.post("/cart/add/", {"offer": offer.pk, "quantity": 1})
    page = client.get("/cart/").content.decode()
    assert "加油包立减 ¥2" in page and "−¥2" in page
    refused = client.post("/cart/codes/add/", {"code": "nope1", "next": "/cart/"}, follow=True).content.decode()
    assert zh("There is no coupon with this code.") in refused  # said at once, and kept on the page below
    page = client.get("/cart/").content.decode()
    assert 'data-testid="code-refused"><strong>NOPE1</strong>' in page
    client.post("/cart/codes/add/", {"code": " save1 "})
    page = client.get("/cart/").content.decode()
    assert "口令立减 ¥1" in page and 'data-testid="code-applied"><strong>SAVE1</strong>' in page
    client.post("/cart/codes/remove/", {"code": "NOPE1"})
    assert "NOPE1" not in client.get("/cart/").content.decode()
    api = client.get("/api/v1/cart/").json()
    assert sorted(p["reason"] for p in api["promotions"]) == ["加油包立减 ¥2", "口令立减 ¥1"]
    assert Decimal(api["total"]) == offer.sale_price - 3 and api["refused_codes"] == []


def test_the_cart_api_applies_codes_and_refuses_with_stable_codes(in_carrier_a):
    offer = _addon()
    promo = make.coupon_promotion(description="口令立减", reward_value=Decimal("1"))
    make.batch(promo, kind=CouponBatch.Kind.PUBLIC_CODE, code="TAKE1", total=0)
    ended = make.coupon_promotion(status=P.ENDED)
    make.batch(ended, kind=CouponBatch.Kind.PUBLIC_CODE, code="OLD1", total=0)
    client = host_client("alpha.localhost")
    client.post("/api/v1/cart/lines/", {"offer": offer.pk}, content_type="application/json")
    unknown = client.post("/api/v1/cart/codes/", {"code": "NOPE"}, content_type="application/json")
    assert unknown.status_code == 409 and unknown.json()["error"] == {
        "code": "unknown_code",
        "message": zh("There is no coupon with this code."),
    }
    old = client.post("/api/v1/cart/codes/", {"code": "old1"}, content_type="application/json")
    assert old.status_code == 409 and old.json()["error"]["code"] == "expired"
    bad = client.post("/api/v1/cart/codes/", {"code": "<script>"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    applied = client.post("/api/v1/cart/codes/", {"code": "take1"}, content_type="application/json")
    assert applied.status_code == 201
    assert [(p["reason"], p["code"], p["amount"]) for p in applied.json()["promotions"]] == [
        ("口令立减", "TAKE1", "1.00")
    ]
    removed = client.delete("/api/v1/cart/codes/TAKE1/")
    assert removed.status_code == 200 and removed.json()["promotions"] == []


def test_the_claimable_api_lists_live_batches_with_what_is_left(telecom):
    batch = make.batch(make.coupon_promotion(min_spend=Decimal("30")), total=5)
    make.batch(make.coupon_promotion(status=P.PAUSED), name="暂停")
    rows = host_client("alpha.localhost").get("/api/v1/coupons/").json()
    mine = [r for r in rows if r["batch"] == batch.pk]
    assert mine and mine[0]["left"] == 5 and mine[0]["min_spend"] == "30.00" and mine[0]["unavailable"] == ""
    assert "暂停" not in [r["name"] for r in rows]
    client, _ = signed_in_by_code()
    for bad in ({"batch": "x"}, {"batch": 2**40}, {"batch": batch.pk, "number": "12"}):
        assert client.post("/api/v1/coupons/claim/", bad, content_type="application/json").status_code == 400
    assert (
        client.post("/api/v1/coupons/claim/", {"batch": 2**31 - 1}, content_type="application/json").json()["error"][
            "code"
        ]
        == "unknown"
    )


def test_checkout_refuses_a_promotion_that_stopped_and_shows_the_price_without_it(telecom):
    offer = Offer.objects.on_sale().get(slug="phone-1")
    promo = make.coupon_promotion(description="下单立减 ¥10", needs_coupon=False)
    client, _ = signed_in_by_code()
    variant = offer.variants.order_by("pk").first()
    client.post("/cart/add/", {"offer": offer.pk, **({"variant": variant.pk} if variant else {})})
    price = offer.sale_price + (variant.price_delta if variant else 0)
    page = client.get("/checkout/")
    assert "下单立减 ¥10" in page.content.decode()
    initial = page.context["form"].initial
    assert Decimal(initial["expected_total"]) == price - 10
    connection.set_tenant(telecom)
    promo.status = P.PAUSED  # between the cart and the click
    promo.save()
    answer = client.post(
        "/checkout/",
        {
            "token": initial["token"],
            "expected_total": initial["expected_total"],
            "recipient": "张三",
            "contact_phone": MAIN,
            "province": "广东省",
            "city": "广州市",
            "district": "天河区",
            "address_detail": "天河路 100 号",
        },
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and "下单立减 ¥10" not in body
    changed = zh("Prices in your cart have changed (now ¥%(total)s). Please check them again.") % {"total": price}
    assert changed in body.replace("&#x27;", "'")
    assert Decimal(answer.context["form"].data["expected_total"]) == price  # the next click agrees to it
    assert f'data-testid="checkout-total">{yuan(price)}<' in body


def test_a_phone_credit_promotion_shows_as_credit_after_activation(in_carrier_a):
    offer = _addon()
    make.coupon_promotion(
        description="办理送话费",
        needs_coupon=False,
        reward=Promotion.Reward.BSS_CREDIT,
        reward_value=Decimal("5"),
        offers=[offer],
    )
    client = host_client("alpha.localhost")
    client.post("/cart/add/", {"offer": offer.pk})
    page = client.get("/cart/").content.decode()
    assert 'data-testid="credit-line"' in page and "办理送话费" in page
    assert zh("%(amount)s 话费 after activation") % {"amount": "¥5"} in page
