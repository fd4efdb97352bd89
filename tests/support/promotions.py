"""Helpers for the promotion tests: a published promotion, its batches, a device offer with
plenty of stock, carts of many subscribers at once, a home page with a coupon block bound to a batch."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Category, Offer, OfferVariant
from orders.models import Cart, CartLine
from promotions import services
from promotions.models import CouponBatch, Promotion


def promotion(**fields) -> Promotion:
    """A published promotion running now (fields override the defaults: ¥30 off the order)."""
    now = timezone.now()
    values = {
        "name": f"满减 {uuid.uuid4().hex[:6]}",
        "description": "满100减30",
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=1),
        "klass": "order",
        "reward": "amount",
        "reward_value": Decimal("30"),
        "status": Promotion.Status.PUBLISHED,
    }
    values.update(fields)
    categories = values.pop("categories", [])
    offers = values.pop("offers", [])
    made = Promotion.objects.create(**values)
    made.categories.set(categories)
    made.offers.set(offers)
    services.sync_budgets(made)
    return made


def public_code(promo: Promotion, code: str | None = None, total: int = 0) -> CouponBatch:
    return CouponBatch.objects.create(
        promotion=promo,
        name="公开码",
        kind=CouponBatch.Kind.PUBLIC_CODE,
        code=code or uuid.uuid4().hex[:8].upper(),
        total=total,
    )


def claimable(promo: Promotion, total: int = 100, **fields) -> CouponBatch:
    return CouponBatch.objects.create(
        promotion=promo, name="领券", kind=CouponBatch.Kind.CLAIMABLE, total=total, **fields
    )


def device_offer(
    price: Decimal = Decimal("199"), stock: int = 10_000, slug: str | None = None
) -> tuple[Offer, OfferVariant]:
    """A phone on sale with one version and plenty of stock (a device order needs only an address)."""
    category, _created = Category.objects.get_or_create(
        slug="promo-phones", defaults={"name": "促销手机", "kind": "phone"}
    )
    offer = Offer.objects.create(
        kind="phone",
        category=category,
        name="促销测试手机",
        slug=slug or f"promo-phone-{uuid.uuid4().hex[:6]}",
        list_price=price,
        sale_price=price,
        status=Offer.Status.ON_SALE,
        attributes={"brand": "Test"},
    )
    variant = OfferVariant.objects.create(offer=offer, colour="黑", stock=stock)
    return offer, variant


def carts_for(count: int, offer: Offer, variant: OfferVariant, codes: list[str] | None = None) -> list[tuple]:
    """`count` subscribers, each with this phone in the cart (bulk: no password hashing)."""
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"p{uuid.uuid4().hex[:12]}") for _ in range(count)]
    )
    carts = Cart.objects.bulk_create([Cart(user=u, promo_codes=codes or []) for u in users])
    CartLine.objects.bulk_create([CartLine(cart=c, offer=offer, variant=variant, quantity=1) for c in carts])
    return list(zip(users, carts, strict=True))


def coupon_promotion(**fields) -> Promotion:
    """A published goods-class promotion that needs a coupon (¥10 off), for the subscriber-side tests."""
    values = {
        "name": "新客立减",
        "description": "领券立减 ¥10",
        "klass": "goods",
        "reward_value": Decimal("10"),
        "needs_coupon": True,
        "ends_at": timezone.now() + timedelta(days=3),
    }
    return promotion(**{**values, **fields})


def batch(promo, **fields):
    from promotions.models import CouponBatch

    values = {"name": "满减券", "kind": CouponBatch.Kind.CLAIMABLE, "total": 100, "per_person": 1}
    values.update(fields)
    return CouponBatch.objects.create(promotion=promo, **values)


def home_with_coupon(batch_id: int, title: str = "领券中心") -> None:
    from storefront.decoration import services
    from storefront.decoration.models import Page

    document = {
        "schema_version": 1,
        "sections": [
            {
                "id": "coupon-1",
                "type": "coupon",
                "disabled": False,
                "settings": {"title": title, "batch": str(batch_id)},
            }
        ],
    }
    services.publish_document(Page.Kind.HOME, "home", "首页", document)
