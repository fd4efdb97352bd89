"""A carrier's health for the platform operators: today's orders, failed fulfilment steps and
the oldest paid order still waiting for a worker (the queue's lag, as the carrier feels it)."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context


def current_lockouts() -> list[str]:
    """Accounts and client addresses locked now in the active schema. Axes adds an account's (or
    an address's) failures up across its rows, so the sums decide, not single rows."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum

    since = timezone.now() - timedelta(minutes=settings.HALL_ADMIN_LOCKOUT_MINUTES)
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    limit = settings.HALL_ADMIN_SIGN_IN_FAILURES
    accounts = [
        row["username"]
        for row in recent.values("username")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=limit)
        .order_by("username")
        if row["username"]
    ]
    addresses = [
        row["ip_address"]
        for row in recent.values("ip_address")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=limit)
        .order_by("ip_address")
        if row["ip_address"]
    ]
    return accounts + addresses


def carrier_health(carrier) -> dict:
    from orders.models import FulfilmentStep, Order
    from orders.models import OrderStatus as S

    with tenant_context(carrier):
        waiting = (
            Order.objects.filter(status=S.PAID)
            .order_by("status_changed_at")
            .values_list("status_changed_at", flat=True)
            .first()
        )
        return {
            "orders_today": Order.objects.filter(created_at__date=timezone.localdate()).count(),
            "failed_steps": FulfilmentStep.objects.filter(status=FulfilmentStep.Status.FAILED).count(),
            "lag_seconds": int((timezone.now() - waiting).total_seconds()) if waiting else 0,
            "lockouts": current_lockouts(),
        }
