"""What carrier staff may do to an order by hand: every action goes through the state machine
and leaves an event naming the staff member and their reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import HallError
from orders import fulfilment
from orders.aftersales import closing
from orders.aftersales.cancellation import cancel_paid
from orders.events import Action, record
from orders.models import FulfilmentStep, Order, Refund
from orders.models import OrderStatus as S
from orders.payments import services as payments
from orders.states import IllegalTransition, transition

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACTIONS: dict[str, tuple[StrOrPromise, set[str]]] = {
    "cancel": (gettext_lazy("Cancel (not paid yet)"), {S.AWAITING_PAYMENT}),
    "refund": (gettext_lazy("Refund in full"), {S.PAID, S.IN_FULFILMENT, S.DELIVERED, S.COMPLETED, S.NEEDS_ATTENTION}),
    "flag": (gettext_lazy("Flag for attention"), {S.PAID, S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED}),
    "resume": (gettext_lazy("Resume fulfilment"), {S.NEEDS_ATTENTION}),
    "retry": (gettext_lazy("Retry the failed step"), {S.NEEDS_ATTENTION}),
    "compensate": (gettext_lazy("Undo at the carrier and refund"), {S.NEEDS_ATTENTION, S.PAID, S.IN_FULFILMENT}),
    "note": (gettext_lazy("Add an internal note"), set(S.values)),
}


class StaffActionError(HallError):
    pass


def available(order: Order) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, (label, states) in ACTIONS.items() if order.status in states]


def act(order: Order, code: str, user: User, reason: str) -> None:
    reason = (reason or "").strip()[:300]
    if code not in ACTIONS or order.status not in ACTIONS[code][1]:
        raise StaffActionError(
            _("That action is not possible for an order in state “%(state)s”.") % {"state": order.get_status_display()}
        )
    if not reason:
        raise StaffActionError(_("Give a reason: it goes on the order's timeline."))
    who: dict[str, Any] = {"actor": user, "actor_label": "staff"}
    try:
        if code == "cancel":
            closing.cancel(order, reason=reason, **who)
        elif code == "refund":
            payments.request_refund(order, reason=reason, **who)
        elif code == "flag":
            transition(order, S.NEEDS_ATTENTION, Action.FLAGGED, reason=reason, **who)
        elif code == "retry":
            retry(order, user, reason)
        elif code == "compensate":
            cancel_paid(order, reason=reason, **who)
        elif code == "resume":
            _refuse_if_refunded(order)
            transition(order, S.IN_FULFILMENT, Action.RESUMED, reason=reason, **who)
        else:
            record(order, Action.NOTE, reason=reason, public=False, **who)
    except (IllegalTransition, closing.CancelRefused, payments.PaymentError) as exc:
        raise StaffActionError(str(exc)) from None


def _refuse_if_refunded(order: Order) -> None:
    if Refund.objects.filter(payment__order=order).exclude(status=Refund.Status.FAILED).exists():
        raise StaffActionError(_("This order's money has been or is being refunded: it cannot resume."))


def retry(order: Order, user: User, reason: str) -> Order:
    """Back to where the order was before it needed attention; its failed steps run again."""
    _refuse_if_refunded(order)
    flagged = order.events.filter(to_status=S.NEEDS_ATTENTION).order_by("-at", "-pk").first()
    back_to = flagged.from_status if flagged and flagged.from_status in fulfilment.RUNNING else S.IN_FULFILMENT
    with transaction.atomic():
        order = transition(
            order, back_to, Action.RETRIED, actor=user, actor_label="staff", reason=reason, expect={S.NEEDS_ATTENTION}
        )
        order.steps.filter(status=FulfilmentStep.Status.FAILED).update(status=FulfilmentStep.Status.RUNNING, error="")
        fulfilment.enqueue(order)
    return order
