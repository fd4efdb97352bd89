"""Paying for orders: start a payment at the carrier's gateway, take its signed notifications,
ask it when the payer is back first, refund. An order becomes paid exactly once, whichever of
notification, re-sent notification or query arrives first.

Lock order everywhere: the order row first, then its payment rows (no deadlocks between the
closer, the notification handler and the return page).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Offer
from core import ratelimit
from core.errors import HallError
from core.tasks import send, send_on_commit
from integrations import outbox
from numberpool import holds
from orders.events import Action, record
from orders.models import Order, OrderLine, Payment, PaymentNotification, Refund
from orders.models import OrderStatus as S
from orders.payments import payouts
from orders.states import allowed, lock, transition
from tenants import ports
from tenants.gateways import current_carrier
from tenants.gateways.payment import BadNotification, PaymentGatewayError

log = logging.getLogger(__name__)


class PaymentError(HallError):
    """Paying is not possible now; the message is for the subscriber."""


def start_payment(order: Order, *, notify_url: str, return_url: str) -> str:
    """Register a payment for the order at the gateway; return the URL of the gateway's page."""
    payments = ports.payment()
    with transaction.atomic():  # short: a double "Pay" or a Pay racing a Cancel sees the truth
        order = lock(order)
        if order.status != S.AWAITING_PAYMENT:
            raise PaymentError(_("This order is not waiting for payment."))
        if order.payment_due_at and order.payment_due_at <= timezone.now():
            raise PaymentError(_("The time to pay this order has run out."))
        payment = order.payments.filter(
            status=Payment.Status.PENDING, adapter=payments.name, amount=order.payable
        ).first()
        if payment is None:
            payment = Payment.objects.create(
                order=order,
                adapter=payments.name,
                amount=order.payable,
                out_trade_no=f"{current_carrier().slug}-{order.number}P{order.payments.count() + 1}",
            )
    try:  # the gateway is called outside any transaction: it takes its time
        return payments.create_payment(
            out_trade_no=payment.out_trade_no,
            amount=payment.amount,
            subject=f"{current_carrier().name} {order.number}",
            notify_url=notify_url,
            return_url=return_url,
            expires_at=order.payment_due_at
            or timezone.now() + timedelta(minutes=current_carrier().payment_window_minutes),
        )
    except PaymentGatewayError as exc:
        log.warning("payment gateway refused %s: %s", payment.out_trade_no, exc)
        raise PaymentError(_("The payment service is busy. Please try again in a moment.")) from None


def settle_free(order: Order) -> Order:
    """An order with nothing to pay (a fully discounted one) skips the gateway."""
    with transaction.atomic():
        # what follows PAID (sales, numbers, deadline, fulfilment, text) is orders/reactions.py's
        return transition(
            order, S.PAID, Action.PAID, actor_label="system", data={"amount": "0.00"}, expect={S.AWAITING_PAYMENT}
        )


def settle_by_partner(order: Order, partner: str) -> Order:
    """A channel partner that settles with the carrier (a token with `order:prepaid`) collected
    the money itself: the order is paid without a gateway, and says by whom."""
    with transaction.atomic():
        return transition(
            order,
            S.PAID,
            Action.PAID,
            actor_label="partner",
            data={"amount": str(order.payable), "settled_by": partner[:60]},
            expect={S.AWAITING_PAYMENT},
        )


def confirm_paid(payment_id: int, trade_no: str, via: str) -> bool:
    """The gateway says the payment is paid. Returns True the one time this changes anything."""
    payment = Payment.objects.get(pk=payment_id)
    with transaction.atomic():
        order = lock(payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == Payment.Status.PAID:
            return False
        payment.status, payment.trade_no, payment.paid_at, payment.confirmed_by = (
            Payment.Status.PAID,
            trade_no,
            timezone.now(),
            via,
        )
        payment.save(update_fields=["status", "trade_no", "paid_at", "confirmed_by"])
        detail = {"out_trade_no": payment.out_trade_no, "trade_no": trade_no, "via": via, "amount": str(payment.amount)}
        if order.status != S.AWAITING_PAYMENT:  # closed, cancelled, or paid by another attempt
            record(order, Action.LATE_PAYMENT_REFUNDED, actor_label="gateway", data=detail)
            _refund(payment, payment.amount, "payment after the order closed or was paid")
            return True
        transition(order, S.PAID, Action.PAID, actor_label="gateway", data=detail)  # then orders/reactions.py
        outbox.emit("payment.succeeded", "payment", payment.pk, payment)
    return True


def count_sales(order: Order, sign: int = 1) -> None:
    """销量 is paid orders that were not refunded: each goods line adds its quantity in the
    transaction that makes the order paid, and takes it back in the one that makes it refunded
    (in the UPDATE, so parallel payments and refunds all count; never below zero)."""
    for offer_id, quantity in order.lines.filter(category=OrderLine.Category.GOODS, offer__isnull=False).values_list(
        "offer_id", "quantity"
    ):
        Offer.objects.filter(pk=offer_id).update(sales_count=Greatest(F("sales_count") + sign * quantity, 0))


def uncount_sales(order: Order) -> None:
    count_sales(order, -1)


def sell_numbers(order: Order) -> None:
    for number in (
        order.lines.exclude(number="").filter(category=OrderLine.Category.NUMBER_FEE).values_list("number", flat=True)
    ):
        if holds.sell(number, order.hold_owner):
            record(order, Action.NUMBER_SOLD, actor_label="system", data={"number": number})
        else:
            transition(
                order,
                S.NEEDS_ATTENTION,
                Action.NUMBER_LOST,
                reason=_("the number was taken after the hold ended"),
                data={"number": number},
            )
            return


def handle_notification(adapter: str, fields: dict) -> tuple[bool, str]:
    """Take one notification as posted. Returns (acknowledge?, outcome). Nothing is stored until
    the signature holds: an unverified body only counts (and logs a short line now and then);
    a verified but inconsistent one changes nothing but a log line and a stored record."""
    payments = ports.payment(adapter=adapter)
    try:
        news = payments.parse_notification(fields)
    except BadNotification as exc:
        return _count_unverified(adapter, f"rejected: {exc}")
    payment = Payment.objects.filter(out_trade_no=news.out_trade_no, adapter=adapter).first()
    if payment is None:
        return _refuse(adapter, fields, "rejected: unknown payment")
    if news.amount != payment.amount:
        return _refuse(adapter, fields, "rejected: amount mismatch")
    with transaction.atomic():  # the record and its effect together: a crash leaves neither
        try:
            with transaction.atomic():
                seen = PaymentNotification.objects.create(
                    adapter=adapter,
                    notify_id=news.notify_id,
                    out_trade_no=news.out_trade_no,
                    outcome="applied",
                    fields=fields,
                )
        except IntegrityError:
            return True, "duplicate"  # a replay or a re-send: already taken
        outcome = _apply(payment, news)
        if outcome != "applied":
            seen.outcome = outcome[:40]
            seen.save(update_fields=["outcome"])
    return True, outcome


UNVERIFIED_LOG_EVERY_SECONDS = 60


def unverified_key(adapter: str) -> str:
    return f"payment-notify-unverified:{adapter}:{timezone.localdate().isoformat()}"


def unverified_count(adapter: str) -> int:
    """How many notifications to `adapter`'s endpoint failed verification today (this carrier)."""
    return int(cache.get(unverified_key(adapter)) or 0)


def _count_unverified(adapter: str, outcome: str) -> tuple[bool, str]:
    key = unverified_key(adapter)
    count = ratelimit.count(key, 2 * 86400)
    if cache.add(f"{key}:logged", 1, UNVERIFIED_LOG_EVERY_SECONDS):  # a flood is one line a minute
        log.warning("payment notification (%s) %s; %d unverified today", adapter, outcome[:80], count)
    return False, outcome


def _refuse(adapter, fields, outcome) -> tuple[bool, str]:
    """A verified notification that does not fit a payment: kept, for the operator to look at."""
    log.warning("payment notification %s (%s): %s", str(fields.get("notify_id", "?"))[:64], adapter, outcome)
    PaymentNotification.objects.create(
        adapter=adapter, out_trade_no=str(fields.get("out_trade_no", ""))[:64], outcome=outcome[:40], fields=fields
    )
    return False, outcome


def _apply(payment: Payment, news) -> str:
    if news.event == "paid":
        return "applied" if confirm_paid(payment.pk, news.trade_no, "notification") else "ignored: already paid"
    if news.event == "failed":
        if payment.status != Payment.Status.PENDING:  # an older attempt's news, arriving late
            return "ignored: out of date"
        record(payment.order, Action.PAYMENT_FAILED, actor_label="gateway", data={"out_trade_no": payment.out_trade_no})
        return "applied"
    if news.event == "refunded":
        return "applied" if complete_refund(news.out_refund_no) else "ignored: already refunded"
    return f"ignored: {news.event}"


def sync_with_gateway(order: Order) -> bool:
    """The payer is back from the gateway: ask it, so the page is right before the notification.
    Returns True when the order is paid now."""
    for payment in order.payments.filter(status=Payment.Status.PENDING):
        try:
            state = ports.payment(adapter=payment.adapter).query(payment.out_trade_no)
        except PaymentGatewayError as exc:
            log.info("query of %s failed: %s", payment.out_trade_no, exc)
            continue
        if state.status == "paid" and state.amount == payment.amount:
            confirm_paid(payment.pk, state.trade_no, "query")
    order.refresh_from_db()
    return order.status != S.AWAITING_PAYMENT and order.paid_at is not None


def close_payments(order: Order) -> bool:
    """Before an unpaid order closes: close its payments at the gateway. Returns False if one was
    paid after all (the order is then paid, not closed) or the gateway could not be reached."""
    for payment in order.payments.filter(status=Payment.Status.PENDING):
        try:
            state = ports.payment(adapter=payment.adapter).close(payment.out_trade_no)
        except PaymentGatewayError as exc:
            if exc.transient:
                log.info("closing %s failed: %s", payment.out_trade_no, exc)
                return False
            # The gateway never registered it (creating it failed): nothing there can be paid.
        else:
            if state.status == "paid":
                confirm_paid(payment.pk, state.trade_no, "query")
                return False
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(status=Payment.Status.CLOSED)
    return True


def _refundable_payment(order: Order) -> tuple[Payment | None, str]:
    """The payment a full refund would return, and why it cannot ("" when it can)."""
    payment = order.payments.filter(status=Payment.Status.PAID).order_by("paid_at").first()
    if payment is None:
        return None, _("This order has no payment to refund.")
    if payment.refunds.exclude(status=Refund.Status.FAILED).exists():
        return payment, _("A refund of this order is already under way or done.")
    return payment, ""


def refund_problem(order: Order) -> str:
    """Why a full refund of this order cannot be made now, or "" (asked before a step that cannot
    be taken back, such as releasing a number at the carrier)."""
    _payment, problem = _refundable_payment(order)
    if problem:
        return problem
    if not allowed(Order.objects.get(pk=order.pk).status, S.REFUNDING):
        return _("This order cannot be refunded in its current state.")
    return ""


def request_refund(order: Order, *, actor: User | None = None, actor_label: str = "staff", reason: str = "") -> Refund:
    """Refund a paid order in full: the order goes to refunding; the gateway's notification (or
    the refund task's retry) finishes it. One full refund per order."""
    with transaction.atomic():
        order = lock(order)
        payment, problem = _refundable_payment(order)
        if problem or payment is None:
            raise PaymentError(problem)
        order = transition(
            order, S.REFUNDING, Action.REFUND_REQUESTED, actor=actor, actor_label=actor_label, reason=reason
        )
        payouts.stop(order)  # no more monthly credits for a refunded deposit-for-credit order
        return _refund(payment, payment.amount, reason, closes_order=True)


def _refund(payment: Payment, amount, reason: str, closes_order=False) -> Refund:
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=str(reason)[:200],
        closes_order=closes_order,
        out_refund_no=f"{payment.out_trade_no}R{payment.refunds.count() + 1}",
    )
    send_on_commit("orders.tasks.submit_refund", (refund.pk,))  # a broker outage: the sweeper resubmits it
    return refund


def submit_refund(refund_id: int) -> str:
    """Ask the gateway to refund (idempotent per out_refund_no, so a re-run is harmless)."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund.status
    ports.payment(adapter=refund.payment.adapter).refund(
        out_trade_no=refund.payment.out_trade_no,
        out_refund_no=refund.out_refund_no,
        amount=refund.amount,
        reason=refund.reason,
    )
    return "submitted"


def refund_failed(refund_id: int, error: str) -> None:
    """The gateway will not refund: staff must take over."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    with transaction.atomic():
        order = lock(refund.payment.order_id)
        if not Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, finished_at=timezone.now()
        ):
            return
        detail = {"out_refund_no": refund.out_refund_no, "error": error[:200]}
        if refund.closes_order and order.status == S.REFUNDING:
            transition(order, S.NEEDS_ATTENTION, Action.REFUND_FAILED, data=detail)
        else:
            record(order, Action.REFUND_FAILED, data=detail, public=False)


def complete_refund(out_refund_no: str) -> bool:
    refund = Refund.objects.select_related("payment").filter(out_refund_no=out_refund_no).first()
    if refund is None:
        return False
    with transaction.atomic():
        order = lock(refund.payment.order_id)
        if not Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.SUCCEEDED, finished_at=timezone.now()
        ):
            return False
        refund.status, refund.finished_at = Refund.Status.SUCCEEDED, timezone.now()
        outbox.emit("payment.refunded", "payment", refund.payment_id, refund)
        detail = {"out_refund_no": out_refund_no, "amount": str(refund.amount)}
        if refund.closes_order and order.status == S.REFUNDING:
            # Numbers and stock are not given back here: what happened to the card or the goods
            # (not shipped, returned, activated) decides that, in after-sales.
            transition(order, S.REFUNDED, Action.REFUNDED, actor_label="gateway", data=detail)  # then reactions
        else:
            record(order, Action.REFUNDED, actor_label="gateway", data=detail)
    return True


def resubmit_stuck_refunds(older_than) -> int:
    """Pending refunds whose message was lost: ask the gateway again (it dedupes by number)."""
    stuck = Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=timezone.now() - older_than)
    for refund_id in stuck.values_list("pk", flat=True):
        send("orders.tasks.submit_refund", (refund_id,))
    return stuck.count()
