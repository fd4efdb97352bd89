"""Ending orders that will not be paid: the subscriber cancels, or the payment window runs out.
Either way the gateway's payments are closed first (a payer who paid at the last second wins),
then the order's numbers and stock go back."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from orders.events import Action
from orders.models import Order
from orders.models import OrderStatus as S
from orders.payments.services import close_payments
from orders.release import give_back
from orders.states import IllegalTransition, transition


class CancelRefused(HallError):
    """The order cannot be cancelled now; the message says why and what to do instead."""

    code = "cancel_refused"
    status = 409


def _end_unpaid(order: Order, to: str, action: Action, **event) -> Order:
    if not close_payments(order):
        order.refresh_from_db()
        if order.status == S.AWAITING_PAYMENT:  # the gateway could not be reached: try again later
            raise CancelRefused(_("The payment service did not answer; please try again."), "payment_unavailable")
        raise CancelRefused(_("This order has just been paid."), "already_paid")
    with transaction.atomic():
        order = transition(order, to, action, expect={S.AWAITING_PAYMENT}, **event)
        give_back(order)
    return order


def cancel(order: Order, *, actor: User | None = None, actor_label: str = "subscriber", reason: str = "") -> Order:
    """Cancel before payment (after payment, cancelling is a refund)."""
    if order.status != S.AWAITING_PAYMENT:
        raise CancelRefused(_("Only an order waiting for payment can be cancelled here."))
    try:
        return _end_unpaid(order, S.CANCELLED, Action.CANCELLED, actor=actor, actor_label=actor_label, reason=reason)
    except IllegalTransition:
        raise CancelRefused(_("This order has just changed; please look at it again."), "changed") from None


def close_unpaid(order_id: int) -> str:
    order = Order.objects.get(pk=order_id)
    if order.status != S.AWAITING_PAYMENT or not order.payment_due_at or order.payment_due_at > timezone.now():
        return "not due"
    try:
        _end_unpaid(order, S.CLOSED_UNPAID, Action.CLOSED_UNPAID, reason=_("not paid within the payment window"))
    except (CancelRefused, IllegalTransition) as exc:
        return f"kept: {exc}"
    return "closed"


def close_overdue(limit: int = 500) -> dict[str, int]:
    """Beat: close every order whose payment window has ended."""
    due = (
        Order.objects.filter(status=S.AWAITING_PAYMENT, payment_due_at__lt=timezone.now())
        .order_by("payment_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes: dict[str, int] = {}
    for pk in due:
        outcome = close_unpaid(pk).split(":")[0]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
