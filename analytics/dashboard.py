"""What a carrier's staff see on their dashboard (reads only): orders and revenue, states,
attention, top offers, top pages with bounce and exit, a funnel per way of buying, number pool
levels and trends, and the data the dashboard's charts draw."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from analytics import sessions as definitions
from analytics.aggregate import day_bounds
from analytics.models import AggregatedThrough, AnalyticsEvent, FunnelDaily, PageDaily
from catalog.models import Category, Offer
from numberpool.models import MobileNumber
from orders.models import Order, OrderLine
from orders.models import OrderStatus as S
from storefront.decoration.blocks import REGISTRY
from storefront.decoration.models import Page, PageVersion


def _days(days: int) -> list[dt.date]:
    today = timezone.localdate()
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


def fresh_views(days: list[dt.date]) -> list[dict]:
    """Page views stored after each day's last aggregation (per day and page): with these, top pages
    and views by day are current within the flush, not the 15-minute aggregation."""
    marks = dict(AggregatedThrough.objects.filter(day__in=days).values_list("day", "last_event_id"))
    after = Q()
    for day in days:
        start, end = day_bounds(day)
        after |= Q(at__gte=start, at__lt=end, pk__gt=marks.get(day, 0))
    floor = min(marks.get(day, 0) for day in days)  # ids grow with time: the primary key bounds the scan
    return list(
        AnalyticsEvent.objects.filter(after, name="view", pk__gt=floor)
        .annotate(day=TruncDate("at"))
        .values("day", "page_type", "page_id")
        .annotate(n=Count("pk"))
    )


def top_pages(days: list[dt.date], fresh: list[dict], limit: int = 10) -> list[dict]:
    pages: dict[tuple[str, str], dict] = defaultdict(lambda: {"views": 0, "entries": 0, "bounces": 0, "exits": 0})
    for row in (
        PageDaily.objects.filter(day__gte=days[0])
        .values("page_type", "page_id")
        .annotate(views=Sum("views"), entries=Sum("entries"), bounces=Sum("bounces"), exits=Sum("exits"))
    ):
        pages[(row["page_type"], row["page_id"])].update(row)
    for row in fresh:  # rates wait for the aggregation (they need whole sessions); views do not
        page = pages[(row["page_type"], row["page_id"])]
        page.update(page_type=row["page_type"], page_id=row["page_id"], views=page["views"] + row["n"])
    found = sorted(pages.values(), key=lambda r: (-r["views"], r["page_type"], r["page_id"]))[:limit]
    names = page_names(found)
    for row in found:
        row["label"] = definitions.PAGE_LABELS.get(row["page_type"], row["page_type"])
        row["name"] = names.get((row["page_type"], row["page_id"]), row["page_id"])
        row["bounce_rate"] = row["bounces"] / row["entries"] if row["entries"] else None
        row["exit_rate"] = row["exits"] / row["views"] if row["views"] else None
    return found


def page_names(rows: list[dict]) -> dict[tuple[str, str], str]:
    """What staff call the pages a slug stands for: the offer's, category's or landing page's name."""

    slugs: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        slugs[row["page_type"]].add(row["page_id"])
    names = {
        ("offer", slug): name
        for slug, name in Offer.objects.filter(slug__in=slugs["offer"]).values_list("slug", "name")
    }
    names |= {
        ("category", slug): name
        for slug, name in Category.objects.filter(slug__in=slugs["category"]).values_list("slug", "name")
    }
    names |= {
        ("landing", slug): title
        for slug, title in Page.objects.filter(slug__in=slugs["landing"]).values_list("slug", "title")
    }
    return names


def block_names(rows: list[dict]) -> list[dict]:
    """A clicked block as staff know it: the page's name and the block's kind and title, found in
    the page's versions (a block keeps its id from version to version)."""

    wanted = {row["block_id"] for row in rows}
    found: dict[str, str] = {}
    for document in (
        PageVersion.objects.filter(page__slug__in={r["page_id"] or "home" for r in rows})
        .order_by("-number")
        .values_list("document", flat=True)
    ):
        for section in (document or {}).get("sections", []):
            block_id = section.get("id")
            if block_id in wanted and block_id not in found:
                kind = REGISTRY.get(section.get("type"))
                title = (section.get("settings") or {}).get("title") or ""
                found[block_id] = " · ".join(str(p) for p in (kind.label if kind else section.get("type"), title) if p)
    for row in rows:
        row["page_label"] = definitions.PAGE_LABELS.get(row["page_type"], row["page_type"])
        row["block_name"] = found.get(row["block_id"], row["block_id"][:8])
    return rows


def funnels(start: dt.date, offer_kind: str = "") -> list[dict]:
    """Each way of buying with its steps: label, visitors, share of the step before."""
    totals = defaultdict(int)
    for row in (
        FunnelDaily.objects.filter(day__gte=start)
        .filter(Q(path="offer", offer_kind=offer_kind) | (~Q(path="offer") & Q(offer_kind="")))
        .values("path", "step")
        .annotate(total=Sum("visitors"))
    ):
        totals[(row["path"], row["step"])] = row["total"]
    found = []
    for key, path in definitions.PATHS.items():
        rows = definitions.conversion({step.key: totals[(key, step.key)] for step in path.steps}, key)
        labels = {step.key: step.label for step in path.steps}
        found.append(
            {
                "path": key,
                "label": path.label,
                "steps": [{"key": step, "label": labels[step], "n": n, "rate": rate} for step, n, rate in rows],
            }
        )
    return found


def summary(days: int = 7, offer_kind: str = "") -> dict:

    today = timezone.localdate()
    span = _days(days)
    start = span[0]
    paid = Order.objects.filter(paid_at__isnull=False)
    today_paid = paid.filter(paid_at__date=today)
    fresh = fresh_views(span)
    revenue_by_day = {
        row["day"]: row["total"]
        for row in paid.filter(paid_at__date__gte=start)
        .annotate(day=TruncDate("paid_at"))
        .values("day")
        .annotate(total=Sum("payable"))
    }
    orders_by_day = {
        row["day"]: row["n"]
        for row in Order.objects.filter(created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
    }
    views_by_day: dict[dt.date, int] = defaultdict(
        int, PageDaily.objects.filter(day__gte=start).values_list("day").annotate(n=Sum("views"))
    )
    for row in fresh:
        views_by_day[row["day"]] += row["n"]
    trend = [
        {
            "day": day,
            "orders": orders_by_day.get(day, 0),
            "revenue": revenue_by_day.get(day) or Decimal("0"),
            "views": views_by_day.get(day, 0),
        }
        for day in span
    ]
    return {
        "days": days,
        "offer_kind": offer_kind,
        "orders_today": Order.objects.filter(created_at__date=today).count(),
        "revenue_today": today_paid.aggregate(total=Sum("payable"))["total"] or Decimal("0"),
        "by_state": [
            {"status": S(row["status"]).label, "n": row["n"]}
            for row in Order.objects.values("status").annotate(n=Count("pk")).order_by("-n")
        ],
        "needs_attention": Order.objects.filter(status=S.NEEDS_ATTENTION).count(),
        "top_offers": list(
            OrderLine.objects.filter(order__paid_at__date__gte=start, category="goods")
            .values("name")
            .annotate(n=Sum("quantity"))
            .order_by("-n")[:10]
        ),
        "top_pages": top_pages(span, fresh),
        "funnels": funnels(start, offer_kind),
        "funnels_as_of": AggregatedThrough.objects.filter(day=today).values_list("computed_at", flat=True).first(),
        "pool": [
            {"status": MobileNumber.Status(row["status"]).label, "n": row["n"]}
            for row in MobileNumber.objects.values("status").annotate(n=Count("pk")).order_by("status")
        ],
        "trend": trend,
        "definitions": definitions.DEFINITIONS,
        "top_blocks": block_names(
            list(
                AnalyticsEvent.objects.filter(name="click", at__date__gte=start)
                .values("page_type", "page_id", "block_id")
                .annotate(n=Count("pk"))
                .order_by("-n")[:10]
            )
        ),
    }


def charts(data: dict) -> dict:
    """What static/hall/dashboard.js draws (through json_script): values as numbers or, for money,
    exact decimal strings; every word already translated."""
    return {
        "trend": {
            "days": [row["day"].isoformat() for row in data["trend"]],
            "orders": [row["orders"] for row in data["trend"]],
            "revenue": [str(row["revenue"].quantize(Decimal("0.01"))) for row in data["trend"]],
            "views": [row["views"] for row in data["trend"]],
        },
        "funnels": [
            {
                "path": f["path"],
                "title": f["label"],
                "steps": [s["label"] for s in f["steps"]],
                "values": [s["n"] for s in f["steps"]],
                "rates": [None if s["rate"] is None else round(s["rate"] * 100, 1) for s in f["steps"]],
            }
            for f in data["funnels"]
        ],
        "words": {
            "orders": pgettext_lazy("chart axis", "Orders"),
            "revenue": _("Revenue (yuan)"),
            "views": _("Page views"),
            "date": _("Date"),
            "visitors": _("Visitors"),
            "of_before": _("of the step before"),
        },
    }
