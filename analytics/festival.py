"""A festival's live figures for staff: its orders, their revenue, the subsidy spent and the budget
left of each of its promotions. Here, above orders, because revenue is the orders' (promotions sit
below orders and know an order only as its reference "<carrier slug>:<order number>")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Sum, Value
from django.db.models.functions import Concat
from django.utils import timezone

from core import money
from orders.discounts import SOLD
from orders.models import Order
from promotions import selectors as promotion_selectors
from promotions.models import Budget, Festival, Redemption
from tenants.gateways import current_carrier

ZERO = Decimal("0")
COUNTED = [Redemption.Status.RESERVED, Redemption.Status.REDEEMED]


@dataclass
class FestivalFigures:
    orders: int  # distinct orders holding or having used one of its promotions
    paid_orders: int
    revenue: Decimal  # what those orders, paid or beyond, cost their buyers
    subsidy: Decimal  # discounts given and not given back
    credit: Decimal  # 话费 promised after activation
    budget_limit: Decimal
    budget_left: Decimal
    promotions: list[dict[str, Any]]
    as_of: str

    def as_json(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "paid_orders": self.paid_orders,
            "revenue": str(self.revenue),
            "revenue_text": money.yuan(self.revenue),
            "subsidy": str(self.subsidy),
            "subsidy_text": money.yuan(self.subsidy),
            "credit": str(self.credit),
            "credit_text": money.yuan(self.credit),
            "budget_limit": str(self.budget_limit),
            "budget_left": str(self.budget_left),
            "promotions": self.promotions,
            "as_of": self.as_of,
        }


def figures(festival: Festival) -> FestivalFigures:
    redemptions = Redemption.objects.filter(promotion__festival=festival, status__in=COUNTED)
    totals = redemptions.aggregate(
        orders=Count("order_ref", distinct=True),
        subsidy=Sum(F("amount") - F("released")),
        credit=Sum("credit"),
    )
    prefix = f"{current_carrier().slug}:"
    # Each order once, however many of the festival's promotions it has (EXISTS, on the order_ref index).
    theirs = Order.objects.filter(
        Exists(redemptions.filter(order_ref=Concat(Value(prefix), OuterRef("number")))), status__in=SOLD
    ).aggregate(n=Count("pk"), revenue=Sum("payable"))
    promotions = list(festival.promotions.order_by("-priority", "starts_at", "pk"))
    budgets: dict[int, list[Budget]] = {}
    for row in Budget.objects.filter(promotion__in=promotions).order_by("key"):
        budgets.setdefault(row.promotion_id, []).append(row)
    rows = []
    limit_total = left_total = ZERO
    for usage in promotion_selectors.usage(promotions):
        p = usage.promotion
        whole = next((b for b in budgets.get(p.pk, []) if b.key == ""), None)
        if whole is not None:
            limit_total += whole.limit
            left_total += whole.limit - whole.used
        rows.append(
            {
                "id": p.pk,
                "name": p.name,
                "status": p.status,
                "status_label": str(p.get_status_display()),
                "orders": usage.orders,
                "subsidy": str(usage.reserved + usage.redeemed),
                "subsidy_text": money.yuan(usage.reserved + usage.redeemed),
                "budgets": [
                    {
                        "key": b.key.removeprefix("city:"),
                        "limit": str(b.limit),
                        "used": str(b.used),
                        "left": str(b.limit - b.used),
                    }
                    for b in budgets.get(p.pk, [])
                ],
            }
        )
    return FestivalFigures(
        orders=totals["orders"] or 0,
        paid_orders=theirs["n"] or 0,
        revenue=theirs["revenue"] or ZERO,
        subsidy=totals["subsidy"] or ZERO,
        credit=totals["credit"] or ZERO,
        budget_limit=limit_total,
        budget_left=left_total,
        promotions=rows,
        as_of=timezone.localtime().strftime("%H:%M:%S"),
    )
