"""What a carrier's staff see on their dashboard: orders and revenue, states, attention, top
offers, top pages with bounce and exit, the funnel, number pool levels and trends."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from . import sessions as definitions
from .models import AnalyticsEvent, FunnelDaily, PageDaily


def _days(days: int) -> list[dt.date]:
    today = timezone.localdate()
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


def summary(days: int = 7, offer_kind: str = "") -> dict:
    from catalog.inventory.models import MobileNumber
    from orders.models import Order, OrderLine
    from orders.models import OrderStatus as S

    today = timezone.localdate()
    start = _days(days)[0]
    paid = Order.objects.filter(paid_at__isnull=False)
    today_paid = paid.filter(paid_at__date=today)
    pages = defaultdict(lambda: {"views": 0, "entries": 0, "bounces": 0, "exits": 0})
    for row in PageDaily.objects.filter(day__gte=start).values("page_type", "page_id").annotate(
            views=Sum("views"), entries=Sum("entries"), bounces=Sum("bounces"), exits=Sum("exits")):
        pages[(row["page_type"], row["page_id"])] = row
    top_pages = sorted(pages.values(), key=lambda r: -r["views"])[:10]
    for row in top_pages:
        row["bounce_rate"] = row["bounces"] / row["entries"] if row["entries"] else None
        row["exit_rate"] = row["exits"] / row["views"] if row["views"] else None
    funnel = {row["step"]: row["total"] for row in FunnelDaily.objects.filter(
        day__gte=start, offer_kind=offer_kind).values("step").annotate(total=Sum("visitors"))}
    revenue_by_day = {row["day"]: row["total"] for row in paid.filter(paid_at__date__gte=start).annotate(
        day=TruncDate("paid_at")).values("day").annotate(total=Sum("payable"))}
    orders_by_day = {row["day"]: row["n"] for row in Order.objects.filter(created_at__date__gte=start).annotate(
        day=TruncDate("created_at")).values("day").annotate(n=Count("pk"))}
    views_by_day = dict(PageDaily.objects.filter(day__gte=start).values_list("day").annotate(n=Sum("views")))
    trend = [{"day": day, "orders": orders_by_day.get(day, 0), "revenue": revenue_by_day.get(day) or Decimal("0"),
              "views": views_by_day.get(day, 0)} for day in _days(days)]
    return {
        "days": days, "offer_kind": offer_kind,
        "orders_today": Order.objects.filter(created_at__date=today).count(),
        "revenue_today": today_paid.aggregate(total=Sum("payable"))["total"] or Decimal("0"),
        "by_state": [{"status": S(row["status"]).label, "n": row["n"]}
                     for row in Order.objects.values("status").annotate(n=Count("pk")).order_by("-n")],
        "needs_attention": Order.objects.filter(status=S.NEEDS_ATTENTION).count(),
        "top_offers": list(OrderLine.objects.filter(order__paid_at__date__gte=start, category="goods")
                           .values("name").annotate(n=Sum("quantity"))
                           .order_by("-n")[:10]),
        "top_pages": top_pages,
        "funnel": definitions.conversion({step: funnel.get(step, 0) for step in definitions.FUNNEL}),
        "pool": [{"status": MobileNumber.Status(row["status"]).label, "n": row["n"]}
                 for row in MobileNumber.objects.values("status").annotate(n=Count("pk")).order_by("status")],
        "step_labels": definitions.STEP_LABELS,
        "trend": trend, "definitions": definitions.DEFINITIONS,
        "top_blocks": list(AnalyticsEvent.objects.filter(name="click", at__date__gte=start).values(
            "page_type", "page_id", "block_id").annotate(n=Count("pk")).order_by("-n")[:10]),
    }


def bars(values: list[float], width: int = 320, height: int = 120) -> list[dict]:
    """Bar geometry for a small server-side SVG chart."""
    top = max(values) if values and max(values) > 0 else 1
    step = width / max(len(values), 1)
    return [{"x": round(i * step + 2, 1), "w": round(step - 4, 1), "h": round(v / top * (height - 20), 1),
             "y": round(height - v / top * (height - 20), 1), "v": v} for i, v in enumerate(values)]
