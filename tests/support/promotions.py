"""Promotions for tests: published as staff would leave them (the lifecycle itself is tested with
the staff side), a claimable batch, and a home page with a coupon block bound to it."""

from datetime import timedelta
from decimal import Decimal


def promotion(**fields):
    from django.utils import timezone

    from promotions.models import Promotion

    now = timezone.now()
    values = {
        "name": "新客立减",
        "description": "领券立减 ¥10",
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=3),
        "reward": Promotion.Reward.AMOUNT,
        "reward_value": Decimal("10"),
        "needs_coupon": True,
        "status": Promotion.Status.PUBLISHED,
    }
    values.update(fields)
    offers = values.pop("offers", [])
    made = Promotion.objects.create(**values)
    if offers:
        made.offers.set(offers)
    return made


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
