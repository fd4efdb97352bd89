"""Daily aggregation into per-page and funnel tables. Idempotent: a day is recomputed whole and
replaces what was there, so a rerun (or rebuild_analytics) changes nothing."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import sessions as definitions
from .models import AnalyticsEvent, FunnelDaily, PageDaily


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return start, start + dt.timedelta(days=1)


def events_of(day: dt.date) -> list[definitions.Event]:
    # A session may start before midnight: take 30 minutes of the day before, count what falls in the day.
    start, end = _day_bounds(day)
    rows = AnalyticsEvent.objects.filter(at__gte=start - definitions.SESSION_GAP, at__lt=end).values_list(
        "visitor", "at", "name", "page_type", "page_id", "offer_kind").iterator(chunk_size=20000)
    return [definitions.Event(*row) for row in rows]


def aggregate_day(day: dt.date) -> dict[str, int]:
    start, _end = _day_bounds(day)
    events = events_of(day)
    in_day = [e for e in events if e.at >= start]
    day_sessions = [s for s in definitions.sessions(events) if s.events[-1].at >= start]
    stats = definitions.page_stats(day_sessions)
    kinds = {""} | {e.offer_kind for e in in_day if e.offer_kind}
    with transaction.atomic():
        PageDaily.objects.filter(day=day).delete()
        FunnelDaily.objects.filter(day=day).delete()
        PageDaily.objects.bulk_create([PageDaily(day=day, page_type=page_type, page_id=page_id, views=s.views,
                                                 entries=s.entries, bounces=s.bounces, exits=s.exits)
                                       for (page_type, page_id), s in stats.items()])
        FunnelDaily.objects.bulk_create([FunnelDaily(day=day, offer_kind=kind, step=step, visitors=count)
                                         for kind in kinds
                                         for step, count in definitions.funnel(in_day, kind).items()])
    return {"events": len(in_day), "sessions": len(day_sessions), "pages": len(stats)}
