"""Reconciliation: compare what Hall believes about each order with what the carrier's systems
say, report every mismatch and, asked to, repair it through the same services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from orders import fulfilment
from orders.models import FulfilmentStep, Order, OrderKind, OrderLine, Payment
from orders.models import OrderStatus as S
from orders.payments import services as payments
from tenants import ports
from tenants.gateways.bss import BssError
from tenants.gateways.payment import PaymentGatewayError

ENDED = {S.CANCELLED, S.CLOSED_UNPAID, S.REFUNDED, S.REFUNDING}


@dataclass
class Mismatch:
    order: str
    problem: str
    fixed: bool = False

    def __str__(self):
        return f"{self.order}: {self.problem}" + (" — fixed" if self.fixed else "")


def expected_number_state(order: Order) -> str:
    if order.status in ENDED:
        return "free"
    done = set(order.steps.filter(status=FulfilmentStep.Status.DONE).values_list("step", flat=True))
    if "activate" in done:
        return "active"
    if "open_account" in done:
        return "opened"
    if "occupy_number" in done:
        return "reserved"
    return "free"


def check_payments(order: Order, fix: bool) -> list[Mismatch]:
    found = []
    for payment in order.payments.filter(status=Payment.Status.PENDING):
        try:
            state = ports.payment(adapter=payment.adapter).query(payment.out_trade_no)
        except PaymentGatewayError:
            continue
        if state.status == "paid":
            found.append(Mismatch(order.number, f"payment {payment.out_trade_no} is paid at the gateway, not here"))
            if fix:
                found[-1].fixed = payments.confirm_paid(payment.pk, state.trade_no, "reconciliation")
    return found


def check_numbers(order: Order, fix: bool) -> list[Mismatch]:
    found = []
    bss = ports.bss()
    expected = expected_number_state(order)
    for number in order.lines.filter(category=OrderLine.Category.NUMBER_FEE).values_list("number", flat=True):
        actual = bss.number_status(number)
        if actual == expected or (expected == "free" and actual in ("free", "closed")):
            continue
        mismatch = Mismatch(order.number, f"number {number}: the carrier has it {actual}, Hall expects {expected}")
        found.append(mismatch)
        if not fix:
            continue
        if expected == "free" and actual in ("reserved", "opened"):
            bss.release_number(number=number, key=f"{order.number}:reconcile:release:{number}")
            mismatch.fixed = True
        elif expected == "active" and actual == "opened":
            bss.activate(number=number, key=f"{order.number}:activate:{number}")
            mismatch.fixed = True
        elif actual == "free" and order.status in fulfilment.RUNNING:
            # the carrier lost it: run the pipeline's number steps again (new keys would be wrong,
            # so only their records are reset; the BSS forgot the old keys with the number)
            order.steps.filter(step__in=["occupy_number", "open_account"]).update(
                status=FulfilmentStep.Status.RUNNING, updated_at=timezone.now()
            )
            fulfilment.enqueue(order)
            mismatch.fixed = True
    return found


def reconcile(since: dt.timedelta, fix: bool = False) -> list[Mismatch]:
    orders = Order.objects.filter(created_at__gte=timezone.now() - since).order_by("pk")
    found = []
    for order in orders:
        try:
            if order.status == S.AWAITING_PAYMENT or order.status == S.CLOSED_UNPAID:
                found += check_payments(order, fix)
            if order.kind == OrderKind.NEW_SIM and order.status != S.AWAITING_PAYMENT:
                found += check_numbers(order, fix)
        except BssError as exc:
            found.append(Mismatch(order.number, f"could not be checked: {exc}"))
    return found
