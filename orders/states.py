"""The order state machine: the allowed transitions and the one function that makes them.

A plain status field + a transition map in code + an append-only event log + one locking service
(as django-oscar and Saleor do). Nothing else writes Order.status.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import HallError
from orders.models import Order, OrderEvent
from orders.models import OrderStatus as S
from orders.reactions import follow

TRANSITIONS: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.PAID, S.CANCELLED, S.CLOSED_UNPAID},
    S.PAID: {S.IN_FULFILMENT, S.REFUNDING, S.NEEDS_ATTENTION},
    S.IN_FULFILMENT: {S.SHIPPED, S.COMPLETED, S.REFUNDING, S.NEEDS_ATTENTION},
    S.SHIPPED: {S.DELIVERED, S.NEEDS_ATTENTION},
    S.DELIVERED: {S.COMPLETED, S.REFUNDING, S.NEEDS_ATTENTION},
    S.NEEDS_ATTENTION: {S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED, S.COMPLETED, S.REFUNDING},
    S.REFUNDING: {S.REFUNDED, S.NEEDS_ATTENTION},
    S.COMPLETED: {S.REFUNDING},  # after-sales: a return within its window
    S.CANCELLED: set(),
    S.CLOSED_UNPAID: set(),
    S.REFUNDED: set(),
}
OPEN = {S.AWAITING_PAYMENT, S.PAID, S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED, S.NEEDS_ATTENTION, S.REFUNDING}
ENDED = set(S.values) - OPEN  # nothing more happens to the order (completed, cancelled, closed, refunded)

# What each action reads like on the timeline (subscriber wording; staff also see the data).
ACTIONS = {
    "placed": _("Order placed"),
    "paid": _("Payment received"),
    "payment_failed": _("A payment attempt failed"),
    "cancelled": _("Order cancelled"),
    "closed_unpaid": _("Closed: not paid in time"),
    "number_released": _("Number released"),
    "number_sold": _("Number reserved for you"),
    "number_lost": _("The chosen number could not be kept"),
    "refund_requested": _("Refund requested"),
    "refunded": _("Refund completed"),
    "late_payment_refunded": _("A late payment is being refunded"),
    "flagged": _("Flagged for staff attention"),
    "resumed": _("Back in fulfilment"),
    "retried": _("Being handled again"),
    "fulfilment_started": _("Being prepared"),
    "shipped": _("Shipped"),
    "delivered": _("Delivered"),
    "completed": _("Completed"),
    "note": _("Note"),
    "renew_broadband": _("Broadband renewed until %(expires_on)s"),
    "join_offer": _("Offer registered at the carrier"),
    "credit_deposit": _("Deposit of ¥%(credited)s credited to your number"),
    "schedule_payouts": _("Monthly returns scheduled"),
    "credit_top_up": _("¥%(amount)s credited to your number"),
    "step_failed": _("The carrier could not complete the order"),
    "refund_failed": _("The refund did not go through; our staff are on it"),
    "verification_submitted": _("Portrait submitted for real-name verification"),
    "verified": _("Real-name verification passed"),
    "verification_failed": _("Real-name verification did not pass"),
    "verification_reminder": _("Reminder sent: %(days_left)s days left to verify"),
    "recycled": _("Not verified in time: the card was recycled"),
    "verification_stuck": _("Real-name verification needs your action"),
    "identity_corrected": _("Name and ID number corrected: please verify again"),
    "activated": _("Activated"),
    "activate": _("Activated"),
    "occupy_number": _("Number reserved at the carrier"),
    "open_account": _("Account opened"),
    "shipping": _("Packed and handed to the courier"),
    "ship": _("Shipped with %(courier)s, tracking number %(tracking_no)s"),
    "parcel_picked_up": _("Picked up by the courier"),
    "parcel_in_transit": _("In transit"),
    "parcel_out_for_delivery": _("Out for delivery"),
    "apply_addons": _("Add-ons applied to your number"),
    "compensated": _("Undone at the carrier"),
    "compensation_failed": _("Undoing at the carrier failed"),
    "cancelled_paid": _("Cancelled; the payment is being refunded"),
}


def describe(event) -> str:
    """An event in the subscriber's words, with its figures (dates, amounts) filled in."""
    label = str(ACTIONS.get(event.action, event.action))
    # money as people write it: 300.00 → 300, 12.50 stays
    data = {
        k: v[:-3] if isinstance(v, str) and v.endswith(".00") and v[:-3].isdigit() else v
        for k, v in (event.data or {}).items()
    }
    try:
        return label % data if "%(" in label else label
    except (KeyError, TypeError, ValueError):
        return label.split("%(")[0].strip()


class IllegalTransition(HallError):
    code = "illegal_transition"
    status = 409

    def __init__(self, order: Order, to: str):
        self.order, self.to = order, to
        super().__init__(f"order {order.number}: {order.status} → {to} is not allowed")


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, set())


def lock(order_or_pk) -> Order:
    """The order row, locked until the transaction ends (call inside transaction.atomic)."""
    pk = order_or_pk.pk if isinstance(order_or_pk, Order) else order_or_pk
    return Order.objects.select_for_update().get(pk=pk)


def record(
    order: Order,
    action: str,
    *,
    actor=None,
    actor_label="system",
    reason="",
    data=None,
    public=True,
    from_status="",
    to_status="",
) -> OrderEvent:
    """Append an event to the timeline without changing the state."""
    return OrderEvent.objects.create(
        order=order,
        action=action,
        actor=actor if actor and actor.pk else None,
        actor_label=actor_label,
        reason=str(reason)[:300],
        data=data or {},
        public=public,
        from_status=from_status,
        to_status=to_status,
    )


@transaction.atomic
def transition(
    order_or_pk,
    to: str,
    action: str,
    *,
    actor=None,
    actor_label="system",
    reason="",
    data=None,
    public=True,
    expect: AbstractSet[str] | None = None,
) -> Order:
    """Lock the order, check the move is allowed (and, with `expect`, that the order is still in one
    of those states), write the new state and append the event. Raises IllegalTransition."""
    order = lock(order_or_pk)
    if (expect is not None and order.status not in expect) or not allowed(order.status, to):
        raise IllegalTransition(order, to)
    before = order.status
    order.status = to
    order.status_changed_at = timezone.now()
    update = ["status", "status_changed_at"]
    if to == S.PAID:
        order.paid_at = order.status_changed_at
        update.append("paid_at")
    order.save(update_fields=update)
    record(
        order,
        action,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data=data,
        public=public,
        from_status=before,
        to_status=to,
    )

    follow(order, to)
    return order
