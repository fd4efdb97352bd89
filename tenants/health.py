"""A carrier's health for the platform operators: today's orders, failed fulfilment steps and
the oldest paid order still waiting for a worker (the queue's lag, as the carrier feels it)."""
from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context


def current_lockouts():
    """Staff sign-in attempts that are locked now, in the active schema (django-axes' rows)."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.conf import settings

    since = timezone.now() - timedelta(minutes=settings.HALL_ADMIN_LOCKOUT_MINUTES)
    return AccessAttempt.objects.filter(failures_since_start__gte=settings.HALL_ADMIN_SIGN_IN_FAILURES,
                                        attempt_time__gte=since)


def carrier_health(carrier) -> dict:
    from orders.models import FulfilmentStep, Order
    from orders.models import OrderStatus as S

    with tenant_context(carrier):
        waiting = Order.objects.filter(status=S.PAID).order_by("status_changed_at").values_list(
            "status_changed_at", flat=True).first()
        return {
            "orders_today": Order.objects.filter(created_at__date=timezone.localdate()).count(),
            "failed_steps": FulfilmentStep.objects.filter(status=FulfilmentStep.Status.FAILED).count(),
            "lag_seconds": int((timezone.now() - waiting).total_seconds()) if waiting else 0,
            "lockouts": list(current_lockouts().values_list("username", flat=True)),
        }
