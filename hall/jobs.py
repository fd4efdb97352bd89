"""Every periodic job of the project, declared once (see core.periodic)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import periodic
from core.periodic import Job

JOBS: tuple[Job, ...] = (
    Job("heartbeat", 30, "operators.tasks.beat_heartbeat"),
    Job(
        "sweep-number-holds",
        60,
        "numberpool.tasks.sweep_number_holds",
        "numberpool.holds.sweep_expired",
        _("holds released"),
    ),
    Job(
        "close-unpaid-orders",
        60,
        "orders.tasks.close_unpaid_orders",
        "orders.tasks.close_unpaid_in_carrier",
        _("unpaid orders"),
    ),
    # Outbox retries, and deliveries a lost message or a killed worker left pending (integrations.delivery).
    Job(
        "deliver-outbox",
        10,
        "integrations.tasks.deliver_everywhere",
        "integrations.delivery.deliver_due",
        _("event deliveries attempted"),
    ),
    Job(
        "settle-promotions",
        300,
        "orders.tasks.settle_promotions",
        "orders.tasks.settle_promotions_in_carrier",
        _("promotion reservations settled"),
    ),
    # Payouts fall due by the day; running often makes a missed run cost minutes, not a month.
    Job(
        "credit-due-payouts",
        600,
        "orders.tasks.credit_due_payouts",
        "orders.tasks.credit_due_payouts_in_carrier",
        _("monthly returns"),
    ),
    Job(
        "realname-remind-and-recycle",
        3600,
        "orders.tasks.remind_and_recycle_verifications",
        "orders.tasks.remind_and_recycle_verifications_in_carrier",
        _("real-name reminders and recycling"),
    ),
    Job(
        "sweep-stuck-orders",
        120,
        "orders.tasks.sweep_stuck_orders",
        "orders.tasks.sweep_stuck_in_carrier",
        _("stuck orders and refunds re-sent"),
    ),
    Job(
        "unbind-departed-numbers",
        86400,
        "subscribers.tasks.unbind_departed_numbers",
        "subscribers.tasks.unbind_departed_in_carrier",
        _("numbers that left the carrier unbound"),
    ),
    Job(
        "escalate-overdue-tickets",
        600,
        "orders.tasks.escalate_overdue_tickets",
        "orders.tasks.escalate_overdue_tickets_in_carrier",
        _("tickets escalated"),
    ),
    Job(
        "flush-analytics",
        30,
        "analytics.tasks.flush_analytics",
        "analytics.tasks.flush_analytics_in_carrier",
        _("analytics events stored"),
    ),
    Job(
        "aggregate-analytics",
        900,
        "analytics.tasks.aggregate_analytics",
        "analytics.tasks.aggregate_analytics_in_carrier",
        _("analytics days aggregated"),
    ),
)


def beat_schedule() -> dict[str, dict]:
    return periodic.beat_schedule(JOBS)
