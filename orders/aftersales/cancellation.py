"""Cancelling a paid order before it ships: the money goes back, what was done at the carrier is
undone, the numbers rest and return, the stock comes back. Once shipped, it is a return."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from orders.aftersales.closing import CancelRefused
from orders.fulfilment import compensate
from orders.models import Order
from orders.models import OrderStatus as S
from orders.payments.services import request_refund
from orders.release import release_after_refund
from orders.states import lock

CANCELLABLE = {S.PAID, S.IN_FULFILMENT}


def cancel_paid(order: Order, *, actor: User | None = None, actor_label: str = "subscriber", reason: str = "") -> Order:
    with transaction.atomic():
        order = lock(order)
        if order.status not in CANCELLABLE:
            raise CancelRefused(_("The order has already been shipped: please ask for a return instead."), "shipped")
        request_refund(order, actor=actor, actor_label=actor_label, reason=reason)
    # A step running right now sees the order refunding when it finishes and undoes itself.
    compensate(order)
    release_after_refund(order)
    return Order.objects.get(pk=order.pk)
