"""The demo carriers' promotions, as a carrier's marketing team would run them: a year-end festival
with an automatic 满减 on phones, a claimable new-customer coupon, a public code for plans, a flash
price on one phone, waived fees on lucky numbers and 话费 red packets for bound numbers. Published
through the same four-eyes lifecycle staff use; idempotent (by name)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Category, Offer
from numberpool.models import TierRule
from promotions import services
from promotions.models import CouponBatch, Festival, Promotion

FESTIVAL = "年终通信狂欢节"
LUCKY_TIERS = ("发财号", "吉祥号", "爱情号")


def _publish(promotion: Promotion, author, approver) -> None:
    services.edited(promotion, author)
    services.approve(promotion, approver)
    services.publish(promotion, approver)


def seed_promotions(author, approver) -> int:
    """Returns promotions created (0 when the carrier has them already)."""
    if Promotion.objects.filter(festival__name=FESTIVAL).exists():
        return 0
    now = timezone.now()
    festival = Festival.objects.create(
        name=FESTIVAL,
        slug="year-end",
        headline="手机满 2000 减 200 · 新人领券 · 限时抢购 · 靓号免预存",
        warmup_from=now - timedelta(days=1),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
    )
    window = {"festival": festival, "starts_at": festival.starts_at, "ends_at": festival.ends_at}
    TierRule.objects.filter(tier__in=LUCKY_TIERS).update(price_floor=Decimal("10"))
    phones = Category.objects.filter(slug="phones").first()
    made = []

    def add(categories=(), offers=(), **fields) -> Promotion:
        promotion = Promotion.objects.create(**{**window, **fields})
        promotion.categories.set(list(categories))
        promotion.offers.set(list(offers))
        _publish(promotion, author, approver)
        made.append(promotion)
        return promotion

    add(
        name="手机满2000减200",
        description="狂欢节 手机满2000减200",
        klass="order",
        reward="amount",
        reward_value=Decimal("200"),
        min_spend=Decimal("2000"),
        combines_with=["goods", "number_fee"],
        categories=[phones] if phones else [],
        budget_kind="money",
        budget_limit=Decimal("20000"),
        priority=10,
    )
    newcomer = add(
        name="新人券 满50减10",
        description="新人券 满50减10",
        needs_coupon=True,
        klass="order",
        reward="amount",
        reward_value=Decimal("10"),
        min_spend=Decimal("50"),
        eligibility="new",
        per_person_limit=1,
        combines_with=["goods", "number_fee"],
    )
    CouponBatch.objects.create(promotion=newcomer, name="新人券", kind="claimable", total=1000, valid_days=7)
    plans = add(
        name="套餐首月立减30",
        description="券码 HALL30：套餐立减30",
        needs_coupon=True,
        klass="goods",
        reward="amount",
        reward_value=Decimal("30"),
        offer_kinds=["plan"],
        combines_with=["number_fee"],
        budget_kind="uses",
        budget_limit=Decimal("500"),
    )
    CouponBatch.objects.create(promotion=plans, name="HALL30", kind="public", code="HALL30", total=500)
    flash_phone = Offer.objects.on_sale().filter(kind="phone").order_by("-sale_price").first()
    if flash_phone is not None:
        add(
            name=f"限时抢购 {flash_phone.name}",
            description="限时抢购",
            flash=True,
            klass="goods",
            reward="fixed_price",
            reward_value=(flash_phone.sale_price * Decimal("0.8")).quantize(Decimal("1")),
            offers=[flash_phone],
            budget_kind="units",
            budget_limit=Decimal("50"),
            per_person_limit=1,
            combines_with=["order", "number_fee"],
            ends_at=now + timedelta(days=2),
        )
    add(
        name="靓号免预存",
        description="狂欢节 靓号预存减免（最低保留 ¥10）",
        klass="number_fee",
        reward="waive_number_fee",
        number_tiers=list(LUCKY_TIERS),
        combines_with=["goods", "order"],
    )
    packets = add(
        name="话费红包 5元",
        description="狂欢节话费红包",
        needs_coupon=True,
        klass="order",
        reward="bss_credit",
        reward_value=Decimal("5"),
        eligibility="bound",
        budget_kind="money",
        budget_limit=Decimal("2500"),
    )
    CouponBatch.objects.create(promotion=packets, name="话费红包", kind="red_packet", total=500)
    return len(made)


def demo_staff():
    """The staff who run the demo's promotions: the first staff account writes, a second approves."""
    users = get_user_model().objects
    author = users.filter(is_staff=True).order_by("pk").first()
    approver, _created = users.get_or_create(
        username="promotions-approver", defaults={"is_staff": True, "is_superuser": True}
    )
    return author, approver
