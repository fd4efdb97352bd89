"""Numbers a partner sold and their subscriptions in the simulated BSS, for the TMF637/654 tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone


def partner_account(username: str = "partner"):
    user, _created = get_user_model().objects.get_or_create(username=username)
    return user


def sold_number(user) -> tuple[object, str]:
    """A new-SIM order placed and paid by `user` (the number is sold through it), and the number,
    opened in the simulated BSS with a plan of the catalogue, a data pack and a cancelled service."""
    from catalog.models import Offer
    from tenants.simulators.models import SimSubscriber
    from tests.support.orders import paid, place_sim_order

    order, number = place_sim_order(user=user)
    order = paid(order)
    plan = Offer.objects.filter(kind="plan").order_by("pk").first()
    today = timezone.localdate()
    SimSubscriber.objects.update_or_create(
        number=number,
        defaults={
            "status": "active",
            "plan": plan.name,
            "plan_code": plan.slug,
            "plan_fee": plan.sale_price,
            "balance": Decimal("42.50"),
            "arrears": Decimal("0"),
            "data_mb": 10240,
            "voice_min": 200,
            "sms_msgs": 0,
            "since": today - dt.timedelta(days=30),
            "contract_until": today + dt.timedelta(days=300),
            "services": [
                {"code": "crbt", "name": "彩铃", "fee": "5", "cancel": "next_month", "since": "2025-01-01"},
                {
                    "code": "callnote",
                    "name": "来电提醒",
                    "fee": "2",
                    "since": "2025-01-01",
                    "until": (today + dt.timedelta(days=10)).isoformat(),
                },
            ],
        },
    )
    return order, number


def staff_account(username: str = "tmf-staff", *perms: str):
    from django.contrib.auth.models import Permission

    user, _created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return user
