"""Partner tokens and TMF requests for the open-platform tests."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model


def partner_token(*scopes: str, username: str = "partner", days: int | None = None) -> tuple[object, str]:
    """A partner account of the current carrier and a token with `scopes` (its secret)."""
    from integrations import tokens

    user, _created = get_user_model().objects.get_or_create(username=username)
    return tokens.issue(user, username, scopes, days=days)


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post_json(client, path: str, body, secret: str, content_type: str = "application/json", **extra):
    return client.generic("POST", path, json.dumps(body), content_type=content_type, **bearer(secret), **extra)


def patch_json(client, path: str, body, secret: str, content_type: str = "application/merge-patch+json"):
    return client.generic("PATCH", path, json.dumps(body), content_type=content_type, **bearer(secret))


def catalogue_marks() -> dict:
    """Where the current carrier's catalogue stands, to remove what a run against the live server added."""
    from django.db.models import Max
    from django.utils import timezone

    from catalog.models import Category, Offer

    return {
        "offer": Offer.objects.aggregate(m=Max("pk"))["m"] or 0,
        "category": Category.objects.aggregate(m=Max("pk"))["m"] or 0,
        "at": timezone.now(),
    }


def remove_catalogue_after(marks: dict) -> None:
    """Offerings, categories, specifications and prices created since `marks`, through the models
    (their signals tell the cached pages)."""
    from catalog.models import Category, Offer
    from openapi_tmf.models import Price, Specification

    for offer in Offer.objects.filter(pk__gt=marks["offer"]):
        offer.delete()
    for category in Category.objects.filter(pk__gt=marks["category"]).order_by("-pk"):
        category.delete()
    Specification.objects.filter(created_at__gte=marks["at"]).delete()
    Price.objects.filter(created_at__gte=marks["at"]).delete()


ADDRESS = [
    {"name": "recipient", "value": "张三"},
    {"name": "contactPhone", "value": "13800138000"},
    {"name": "province", "value": "广东省"},
    {"name": "city", "value": "广州市"},
    {"name": "district", "value": "天河区"},
    {"name": "addressDetail", "value": "天河路 100 号 5 楼"},
]


def device_order(offer_id, variant_id, **extra) -> dict:
    chars = ADDRESS + [{"name": "variant", "value": str(variant_id)}]
    return {
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "productOffering": {"id": str(offer_id)},
                "product": {"productCharacteristic": chars},
            }
        ],
        "relatedParty": [{"id": "456-dd-df45", "@referredType": "Individual"}],
        **extra,
    }
