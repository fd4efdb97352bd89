"""Carrying a paid order through its steps at the carrier's systems.

The pipelines per order kind are declared here in one place. Each step runs at most once: its
`FulfilmentStep` row says done, and the gateway call carries the key `<order number>:<step>`,
so a re-delivered task, a retry or a crash between the call and the record has no second effect.
(New SIM, device and broadband installation pipelines come with the fulfilment issue.)
"""
from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.gateways import gateway
from tenants.gateways.bss import BssError

from . import payouts
from .models import FulfilmentStep, Order, OrderKind
from .models import OrderStatus as S
from .states import IllegalTransition, record, transition

log = logging.getLogger(__name__)


def _line_terms(order: Order) -> dict:
    return order.lines.first().terms


def renew_broadband(order: Order, key: str) -> dict:
    terms = _line_terms(order)
    expires = gateway("bss").renew_broadband(account=terms["account"], option=terms["option"], key=key)
    return {"expires_on": expires.isoformat(), "account": terms["account"]}


def join_offer(order: Order, key: str) -> dict:
    gateway("bss").join_offer(number=order.service_number, offer=_line_terms(order)["offer"], key=key)
    return {}


def credit_deposit(order: Order, key: str) -> dict:
    terms = _line_terms(order)
    if terms.get("return_deposit_monthly"):
        return {"credited": "0"}  # it comes back with the monthly payouts instead
    balance = gateway("bss").credit_balance(number=order.service_number, amount=Decimal(terms["deposit"]),
                                            reason=f"deposit {order.number}", key=key)
    return {"credited": terms["deposit"], "balance": str(balance)}


def schedule_payouts(order: Order, key: str) -> dict:
    start = timezone.localdate(order.paid_at) if order.paid_at else timezone.localdate()
    made = payouts.schedule(order, _line_terms(order), start)
    return {"payouts": made, "first_due": start.isoformat()}


def credit_top_up(order: Order, key: str) -> dict:
    balance = gateway("bss").top_up(number=order.service_number, amount=order.payable, key=key)
    return {"amount": str(order.payable), "balance": str(balance)}


PIPELINES = {
    OrderKind.BROADBAND_RENEWAL: [("renew_broadband", renew_broadband)],
    OrderKind.DEPOSIT_CREDIT: [("join_offer", join_offer), ("credit_deposit", credit_deposit),
                               ("schedule_payouts", schedule_payouts)],
    OrderKind.TOP_UP: [("credit_top_up", credit_top_up)],
}


class RetryLater(Exception):
    """A transient failure: the task retries with backoff."""


def enqueue(order: Order) -> None:
    """After the current transaction commits, have a worker carry the order on."""
    if order.kind not in PIPELINES:
        return
    schema, order_id = connection.schema_name, order.pk

    def send():
        from .tasks import run_fulfilment

        run_fulfilment.apply_async((order_id,), headers={"_schema_name": schema})

    transaction.on_commit(send)


def _step_record(order: Order, name: str) -> FulfilmentStep:
    try:
        with transaction.atomic():
            return FulfilmentStep.objects.get_or_create(order=order, step=name)[0]
    except IntegrityError:  # created in parallel by a re-delivered task
        return FulfilmentStep.objects.get(order=order, step=name)


def run(order_id: int) -> str:
    """Run the order's due steps in order. Returns the order's state afterwards."""
    order = Order.objects.get(pk=order_id)
    steps = PIPELINES.get(order.kind)
    if not steps:
        return order.status
    if order.status == S.PAID:
        try:
            order = transition(order, S.IN_FULFILMENT, "fulfilment_started", expect={S.PAID})
        except IllegalTransition:
            order.refresh_from_db()
    if order.status != S.IN_FULFILMENT:
        return order.status
    for index, (name, perform) in enumerate(steps):
        step = _step_record(order, name)
        if step.status == FulfilmentStep.Status.DONE:
            continue
        FulfilmentStep.objects.filter(pk=step.pk).update(attempts=step.attempts + 1)
        try:
            result = perform(order, key=f"{order.number}:{name}")
        except BssError as exc:
            if exc.transient:
                FulfilmentStep.objects.filter(pk=step.pk).update(error=str(exc)[:300])
                raise RetryLater(str(exc)) from exc
            return _failed(order, step, exc, first=index == 0)
        with transaction.atomic():
            FulfilmentStep.objects.filter(pk=step.pk).update(status=FulfilmentStep.Status.DONE, result=result,
                                                             error="", finished_at=timezone.now())
            record(order, name, data=result)
    if order.kind == OrderKind.DEPOSIT_CREDIT:
        payouts.credit_due(order=order)  # the first month is due at once
    try:
        transition(order, S.COMPLETED, "completed", expect={S.IN_FULFILMENT})
    except IllegalTransition:
        pass
    return Order.objects.get(pk=order.pk).status


def _failed(order: Order, step: FulfilmentStep, exc: BssError, first: bool) -> str:
    """A permanent refusal. If nothing was done yet the money goes back; otherwise staff decide."""
    from .payments import request_refund

    FulfilmentStep.objects.filter(pk=step.pk).update(status=FulfilmentStep.Status.FAILED, error=str(exc)[:300],
                                                     finished_at=timezone.now())
    order = transition(order, S.NEEDS_ATTENTION, "step_failed", reason=_("the carrier refused: %(code)s")
                       % {"code": exc.code}, data={"step": step.step, "error": str(exc)})
    if first:
        request_refund(order, actor_label="system", reason=_("nothing was done: refunded automatically"))
    return Order.objects.get(pk=order.pk).status


def give_up(order_id: int, error: str) -> str:
    """Retries ran out on a transient failure: staff take over."""
    order = Order.objects.get(pk=order_id)
    try:
        transition(order, S.NEEDS_ATTENTION, "step_failed", reason=_("the carrier's system kept failing"),
                   data={"error": error[:200]}, expect={S.IN_FULFILMENT})
    except IllegalTransition:
        pass
    return Order.objects.get(pk=order_id).status


def new_expiry(order: Order) -> dt.date | None:
    step = order.steps.filter(step="renew_broadband", status=FulfilmentStep.Status.DONE).first()
    return dt.date.fromisoformat(step.result["expires_on"]) if step else None


def activate_sim(order: Order) -> None:
    """Switch the order's new numbers on at the BSS, never before real-name verification passed
    (raises realname.services.NotVerified). Each number's key makes a repeat harmless."""
    from realname import services as realname
    from realname.registry import services as registry
    from tenants.gateways import current_carrier

    realname.require_verified(order)
    numbers = list(order.lines.filter(category="number_fee").values_list("number", flat=True))
    for number in numbers:
        gateway("bss").activate(number=number, key=f"{order.number}:activate:{number}")
    carrier = current_carrier()
    registry.activate(carrier.slug, f"{carrier.slug}:{order.number}")
    record(order, "activated", data={"numbers": numbers})
