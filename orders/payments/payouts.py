"""Deposit-for-credit payout schedules: month-by-month credits that sum exactly to what is due
(the last month takes the remainder), credited by beat once each, resumable after missed runs,
stopped when the order is refunded."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from orders.models import Order, Payout
from orders.models import OrderStatus as S
from tenants import ports
from tenants.gateways.bss import BssError

log = logging.getLogger(__name__)
STOPPING = {S.REFUNDING, S.REFUNDED, S.CANCELLED, S.NEEDS_ATTENTION}


def split(total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` monthly amounts: equal whole yuan (or fen, for totals under a yuan a
    month), the last one taking the remainder, so they sum to `total` exactly."""
    if parts <= 0:
        return []
    total = Decimal(total).quantize(Decimal("0.01"))
    unit = Decimal("1") if total >= parts else Decimal("0.01")
    each = (total / parts).quantize(unit, rounding=ROUND_DOWN)
    return [each] * (parts - 1) + [total - each * (parts - 1)]


@dataclass(frozen=True)
class PlannedPayout:
    month: int
    due_on: dt.date
    bonus_part: Decimal
    deposit_part: Decimal


def plan(terms: dict, start: dt.date) -> list[PlannedPayout]:
    """terms: the order line's copy of the offer (bonus, deposit, months, return_deposit_monthly,
    deposit_from_month)."""
    months = int(terms["months"])
    bonus = split(Decimal(terms["bonus"]), months)
    deposit = [Decimal("0")] * months
    if terms.get("return_deposit_monthly"):
        first = int(terms.get("deposit_from_month", 1))
        deposit[first - 1 :] = split(Decimal(terms["deposit"]), months - first + 1)
    return [
        PlannedPayout(m + 1, start + relativedelta(months=m), bonus[m], deposit[m])
        for m in range(months)
        if bonus[m] or deposit[m]
    ]


def schedule(order: Order, terms: dict, start: dt.date) -> int:
    """Create the order's payouts (again: nothing new)."""
    made = 0
    for p in plan(terms, start):
        _row, created = Payout.objects.get_or_create(
            order=order,
            month=p.month,
            defaults={"due_on": p.due_on, "bonus_part": p.bonus_part, "deposit_part": p.deposit_part},
        )
        made += created
    return made


def credit(payout: Payout) -> bool:
    """Credit one due payout at the BSS (its key makes a repeat harmless), then mark it."""
    order = payout.order
    if order.status in STOPPING:
        stop(order)
        return False
    ports.bss().credit_balance(
        number=order.service_number,
        amount=payout.amount,
        reason=f"deposit-for-credit {order.number} month {payout.month}",
        key=f"payout:{order.number}:{payout.month}",
    )
    return bool(
        Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING).update(
            status=Payout.Status.CREDITED, credited_at=timezone.now()
        )
    )


def credit_due(today: dt.date | None = None, order: Order | None = None) -> dict[str, int]:
    """Every pending payout due by today (all the months a missed run left behind)."""
    due = Payout.objects.filter(status=Payout.Status.PENDING, due_on__lte=today or timezone.localdate())
    if order is not None:
        due = due.filter(order=order)
    outcome = {"credited": 0, "failed": 0, "stopped": 0}
    for payout in due.select_related("order").order_by("due_on", "month"):
        try:
            outcome["credited" if credit(payout) else "stopped"] += 1
        except BssError as exc:  # this one waits for the next run
            log.warning("payout %s/%s not credited: %s", payout.order.number, payout.month, exc.code)
            outcome["failed"] += 1
    return outcome


def stop(order: Order) -> int:
    with transaction.atomic():
        return Payout.objects.filter(order=order, status=Payout.Status.PENDING).update(status=Payout.Status.STOPPED)


def progress(order: Order) -> dict | None:
    """ "3 of 12 credited, next on …" for the order page."""
    payouts = list(order.payouts.all())
    if not payouts:
        return None
    credited = [p for p in payouts if p.status == Payout.Status.CREDITED]
    pending = [p for p in payouts if p.status == Payout.Status.PENDING]
    return {
        "credited": len(credited),
        "total": len(payouts),
        "next": pending[0] if pending else None,
        "credited_amount": sum((p.amount for p in credited), Decimal("0")),
        "stopped": any(p.status == Payout.Status.STOPPED for p in payouts),
        "payouts": payouts,
    }
