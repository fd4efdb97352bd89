"""Daily aggregation into per-page and funnel tables. Idempotent: a day is recomputed whole and
replaces what was there, so a rerun (or rebuild_analytics) changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from analytics import sessions as definitions
from analytics.models import AggregatedThrough, AnalyticsEvent, FunnelDaily, PageDaily
from orders.models import Order, OrderEvent, OrderLine
from orders.models import OrderStatus as S

# Order steps that end a way of buying (the fulfilment step's timeline action), else "completed".
DONE_ACTIONS = ("activate", "credit_top_up", "renew_broadband", "credit_deposit")


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def events_of(day: dt.date, through: int | None = None) -> list[definitions.Event]:
    # A session may start before midnight: take 30 minutes of the day before, count what falls in the day.
    start, end = day_bounds(day)
    rows = AnalyticsEvent.objects.filter(at__gte=start - definitions.SESSION_GAP, at__lt=end)
    if through is not None:
        rows = rows.filter(pk__lte=through)
    # Order steps come from the orders (order_events); old captures of them are left out.
    rows = (
        rows.exclude(name__in=("order_placed", "paid", "activated"))
        .values_list("visitor", "at", "name", "page_type", "page_id", "offer_kind")
        .iterator(chunk_size=20000)
    )
    return [definitions.Event(*row) for row in rows]


def order_events(start: dt.datetime, end: dt.datetime) -> list[definitions.Event]:
    """Placed, paid and done of the orders placed from the shop (with a visitor), as funnel events."""

    window = Q(created_at__gte=start, created_at__lt=end) | Q(paid_at__gte=start, paid_at__lt=end)
    orders = {
        row["pk"]: row
        for row in Order.objects.exclude(visitor_id="")
        .filter(window)
        .values("pk", "visitor_id", "kind", "created_at", "paid_at")
    }
    done = list(
        OrderEvent.objects.filter(at__gte=start, at__lt=end)
        .exclude(order__visitor_id="")
        .filter(Q(action__in=DONE_ACTIONS) | Q(to_status=S.COMPLETED))
        .values_list("order_id", "at", "order__visitor_id", "order__kind")
        .order_by("at")
    )
    ids = set(orders) | {row[0] for row in done}
    offer_kinds: dict[int, str] = {}
    for order_id, kind in (
        OrderLine.objects.filter(order_id__in=ids)
        .exclude(offer_kind="number")
        .order_by("pk")
        .values_list("order_id", "offer_kind")
    ):
        offer_kinds.setdefault(order_id, kind)
    events = []
    for pk, row in orders.items():
        for name, at in (("order_placed", row["created_at"]), ("paid", row["paid_at"])):
            if at is not None and start <= at < end:
                events.append(
                    definitions.Event(
                        row["visitor_id"], at, name, offer_kind=offer_kinds.get(pk, ""), order_kind=row["kind"]
                    )
                )
    seen = set()
    for order_id, at, visitor, kind in done:
        if order_id not in seen:  # (an order's first "done", e.g. activated before completed)
            seen.add(order_id)
            events.append(
                definitions.Event(visitor, at, "done", offer_kind=offer_kinds.get(order_id, ""), order_kind=kind)
            )
    return events


def aggregate_day(day: dt.date) -> dict[str, int]:
    start, end = day_bounds(day)
    # Read up to a fixed id, stored with the figures: the dashboard adds the views after it.
    through = AnalyticsEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    events = events_of(day, through)
    in_day = [e for e in events if e.at >= start]
    day_sessions = [s for s in definitions.sessions(events) if s.events[-1].at >= start]
    stats = definitions.page_stats(day_sessions)
    funnel_events = in_day + order_events(start, end)
    kinds = {""} | {e.offer_kind for e in funnel_events if e.offer_kind}
    rows = [
        FunnelDaily(day=day, path=path, offer_kind=kind, step=step, visitors=count)
        for path in definitions.PATHS
        for kind in (kinds if path == "offer" else {""})  # offers are also shown per kind
        for step, count in definitions.funnel(funnel_events, path, kind).items()
    ]
    with transaction.atomic():
        PageDaily.objects.filter(day=day).delete()
        FunnelDaily.objects.filter(day=day).delete()
        PageDaily.objects.bulk_create(
            [
                PageDaily(
                    day=day,
                    page_type=page_type,
                    page_id=page_id,
                    views=s.views,
                    entries=s.entries,
                    bounces=s.bounces,
                    exits=s.exits,
                )
                for (page_type, page_id), s in stats.items()
            ]
        )
        FunnelDaily.objects.bulk_create(rows)
        AggregatedThrough.objects.update_or_create(day=day, defaults={"last_event_id": through})
    return {"events": len(in_day), "sessions": len(day_sessions), "pages": len(stats)}
