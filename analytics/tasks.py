"""Analytics' periodic work: move buffered events into the database, aggregate the days."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from analytics.aggregate import aggregate_day
from analytics.capture import flush
from tenants.services import dispatch_to_carriers


@shared_task
def flush_analytics() -> list[str]:
    """Beat, in the public schema: move each carrier's buffered events into its database."""
    return dispatch_to_carriers(flush_analytics_in_carrier)


@shared_task(acks_late=True)
def flush_analytics_in_carrier() -> int:
    total = 0
    while (moved := flush()) > 0:
        total += moved
    return total


@shared_task
def aggregate_analytics() -> list[str]:
    """Beat, in the public schema: recompute today and yesterday for each carrier (idempotent)."""
    return dispatch_to_carriers(aggregate_analytics_in_carrier)


@shared_task(acks_late=True)
def aggregate_analytics_in_carrier() -> dict:
    today = timezone.localdate()
    return {str(day): aggregate_day(day) for day in (today - dt.timedelta(days=1), today)}
