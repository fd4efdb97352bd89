"""The order state machine: the allowed transitions and the one function that makes them.

A plain status field + a transition map in code + an append-only event log + one locking service
(as django-oscar and Saleor do). Nothing else writes Order.status.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.errors import HallError
from integrations import outbox
from orders.events import Action, record
from orders.models import Order
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


class IllegalTransition(HallError):
    code = "illegal_transition"
    status = 409

    def __init__(self, order: Order, to: str):
        self.order, self.to = order, to
        super().__init__(f"order {order.number}: {order.status} → {to} is not allowed")


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, set())


def lock(order_or_pk: Order | int) -> Order:
    """The order row, locked until the transaction ends (call inside transaction.atomic)."""
    pk = order_or_pk.pk if isinstance(order_or_pk, Order) else order_or_pk
    return Order.objects.select_for_update().get(pk=pk)


def transition(
    order_or_pk: Order | int,
    to: str,
    action: Action,
    *,
    actor: User | None = None,
    actor_label: str = "system",
    reason: str = "",
    data: dict | None = None,
    public: bool = True,
    expect: AbstractSet[str] | None = None,
    locked: bool = False,
) -> Order:
    """Lock the order, check the move is allowed (and, with `expect`, that the order is still in one
    of those states), write the new state and append the event. Raises IllegalTransition.

    `locked`: the caller has locked the row (SELECT … FOR UPDATE, e.g. `lock()`) in the transaction
    it is in and passes the order with the state it read; the move is written in that transaction,
    with no second lock and no savepoint.
    IllegalTransition is raised before anything is written, so the caller may carry on after it."""
    if locked:
        if not isinstance(order_or_pk, Order) or not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("locked=True: pass the order locked in this transaction")
        return _move(order_or_pk, to, action, actor, actor_label, reason, data, public, expect)
    with transaction.atomic():
        return _move(lock(order_or_pk), to, action, actor, actor_label, reason, data, public, expect)


def _move(
    order: Order,
    to: str,
    action: Action,
    actor: User | None,
    actor_label: str,
    reason: str,
    data: dict | None,
    public: bool,
    expect: AbstractSet[str] | None,
) -> Order:
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
    outbox.emit("order.state_changed", "order", order.pk, order)  # nothing at all without subscribers
    follow(order, to)
    return order
