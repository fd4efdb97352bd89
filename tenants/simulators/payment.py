"""The built-in payment gateway simulator: a cashier page of its own (pay / fail / abandon), signed
notifications sent asynchronously by a worker over HTTP — late, sometimes twice, out of order,
re-sent until acknowledged — plus query, close and refunds, with configurable latency and errors.

Configuration (`Carrier.gateways["payment"]`), every key optional:
  latency_ms [min, max]        delay of each API call            default [20, 150]
  error_rate 0..1              share of API calls failing briefly  default 0
  callback_delay [min, max]    seconds before a notification goes  default [0.5, 3]
  duplicate_rate 0..1          share of notifications sent twice   default 0.3
  retry_base_seconds           first re-send after no "success"    default 5
  signing "hmac" | "rsa"       with secret / public_key + private_key (PEM)
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.errors import HallError
from core.tasks import send_on_commit
from tenants.gateways.payment import (
    BadNotification,
    Notification,
    PaymentGateway,
    PaymentGatewayError,
    PaymentState,
    RefundState,
)
from tenants.gateways.signing import HmacSigner, RsaSigner, signed
from tenants.simulators.behaviour import simulate_call
from tenants.simulators.models import SimNotification, SimPayment, SimRefund

EVENTS = {"paid": "TRADE_SUCCESS", "failed": "PAY_FAILED", "refunded": "REFUND_SUCCESS"}
EVENT_OF_STATUS = {v: k for k, v in EVENTS.items()}


def signer_for(carrier, config: dict):
    if config.get("signing") == "rsa":
        return RsaSigner(config["public_key"], config.get("private_key", ""))
    secret = config.get("secret")
    if secret:
        return HmacSigner(secret.encode())
    # No key configured: one derived per carrier from the platform's secret, never shared.
    return HmacSigner(
        hmac.new(settings.SECRET_KEY.encode(), f"payment-simulator:{carrier.slug}".encode(), hashlib.sha256).digest()
    )


def _span(config, key, default) -> tuple[float, float]:
    low, high = config.get(key, default)
    return float(low), float(high)


def _money(value) -> str:
    return f"{Decimal(value):.2f}"


class SimulatedPaymentGateway(PaymentGateway):
    name = "simulator"

    def __init__(self, carrier, config):
        super().__init__(carrier, config)
        self.signer = signer_for(carrier, config)

    # -- the merchant API -------------------------------------------------------------------
    def _call(self):
        simulate_call(
            self.config, lambda: PaymentGatewayError("payment gateway busy (simulated)", "busy", transient=True)
        )

    def create_payment(self, *, out_trade_no, amount, subject, notify_url, return_url, expires_at):
        self._call()
        payment, _created = SimPayment.objects.get_or_create(
            out_trade_no=out_trade_no,
            defaults={
                "token": secrets.token_urlsafe(18),
                "amount": amount,
                "subject": subject[:120],
                "notify_url": notify_url,
                "return_url": return_url,
                "expires_at": expires_at,
            },
        )
        if payment.amount != Decimal(amount):
            raise PaymentGatewayError("out_trade_no already used with another amount")
        return reverse("sim-pay", args=[payment.token])

    def query(self, out_trade_no):
        self._call()
        payment = SimPayment.objects.filter(out_trade_no=out_trade_no).first()
        if payment is None:
            raise PaymentGatewayError("no such payment")
        if payment.status == SimPayment.Status.PENDING and payment.expires_at < timezone.now():
            SimPayment.objects.filter(pk=payment.pk, status=SimPayment.Status.PENDING).update(
                status=SimPayment.Status.CLOSED
            )
            payment.refresh_from_db()
        return self._state(payment)

    def close(self, out_trade_no):
        self._call()
        with transaction.atomic():
            payment = SimPayment.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
            if payment is None:
                raise PaymentGatewayError("no such payment")
            if payment.status == SimPayment.Status.PENDING:
                payment.status = SimPayment.Status.CLOSED
                payment.save(update_fields=["status"])
        return self._state(payment)

    def refund(self, *, out_trade_no, out_refund_no, amount, reason):
        self._call()
        amount = Decimal(amount)
        with transaction.atomic():
            payment = SimPayment.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
            if payment is None or payment.status != SimPayment.Status.PAID:
                raise PaymentGatewayError("the payment was not paid")
            existing = SimRefund.objects.filter(out_refund_no=out_refund_no).first()
            if existing is not None:  # the same request again: the same refund, once
                return RefundState(out_refund_no, "pending", existing.amount)
            if amount <= 0 or amount > payment.amount - payment.refunded:
                raise PaymentGatewayError("refund amount exceeds what is left to refund")
            SimRefund.objects.create(payment=payment, out_refund_no=out_refund_no, amount=amount, reason=reason[:200])
            payment.refunded += amount
            payment.save(update_fields=["refunded"])
            notify(payment, "refunded", self, out_refund_no=out_refund_no, refund_amount=_money(amount))
        return RefundState(out_refund_no, "pending", amount)

    def parse_notification(self, fields):
        if not self.signer.verify(fields):
            raise BadNotification("bad signature")
        if fields.get("app_id") != self.carrier.slug:  # signed, but for another merchant
            raise BadNotification("notification for another merchant")
        try:
            event = EVENT_OF_STATUS[fields["trade_status"]]
            return Notification(
                notify_id=fields["notify_id"],
                event=event,
                out_trade_no=fields["out_trade_no"],
                amount=Decimal(fields["total_amount"]),
                trade_no=fields.get("trade_no", ""),
                out_refund_no=fields.get("out_refund_no", ""),
                refund_amount=Decimal(fields["refund_amount"]) if fields.get("refund_amount") else None,
                sent_at=parse_datetime(fields.get("notify_time", "")),
            )
        except (KeyError, ArithmeticError, ValueError) as exc:
            raise BadNotification(f"malformed notification: {exc}") from None

    @staticmethod
    def _state(payment: SimPayment) -> PaymentState:
        return PaymentState(payment.out_trade_no, payment.status, payment.amount, payment.trade_no, payment.paid_at)


# -- the payer's side (the cashier page calls these) -------------------------------------------
class CashierError(HallError):
    pass


def pay(token: str, gateway: SimulatedPaymentGateway) -> SimPayment:
    with transaction.atomic():
        payment = SimPayment.objects.select_for_update().get(token=token)
        if payment.status == SimPayment.Status.PAID:
            return payment
        if payment.status == SimPayment.Status.CLOSED or payment.expires_at < timezone.now():
            raise CashierError("closed")
        payment.status = SimPayment.Status.PAID
        payment.paid_at = timezone.now()
        payment.trade_no = timezone.now().strftime("%Y%m%d") + secrets.token_hex(8)
        payment.save(update_fields=["status", "paid_at", "trade_no"])
        notify(payment, "paid", gateway)
    return payment


def fail(token: str, gateway: SimulatedPaymentGateway) -> SimPayment:
    """The payer's attempt failed (say, card declined); the payment stays open for another try."""
    with transaction.atomic():
        payment = SimPayment.objects.select_for_update().get(token=token)
        if payment.status != SimPayment.Status.PENDING:
            raise CashierError(payment.status)
        payment.failed_attempts += 1
        payment.save(update_fields=["failed_attempts"])
        notify(payment, "failed", gateway)
    return payment


def notify(payment: SimPayment, event: str, gateway: SimulatedPaymentGateway, **extra) -> SimNotification:
    """Sign a notification and have a worker post it after a delay, sometimes twice."""
    fields = signed(
        {
            "notify_id": secrets.token_hex(16),
            "notify_time": timezone.now().isoformat(),
            "app_id": gateway.carrier.slug,
            "out_trade_no": payment.out_trade_no,
            "trade_no": payment.trade_no,
            "trade_status": EVENTS[event],
            "total_amount": _money(payment.amount),
            **extra,
        },
        gateway.signer,
    )
    notification = SimNotification.objects.create(payment=payment, notify_id=fields["notify_id"], fields=fields)
    low, high = _span(gateway.config, "callback_delay", (0.5, 3))
    deliveries = [random.uniform(low, high)]
    if random.random() < float(gateway.config.get("duplicate_rate", 0.3)):
        deliveries.append(random.uniform(low, high * 2))
    for number, delay in enumerate(deliveries):
        send_on_commit("tenants.simulators.tasks.deliver_notification", (notification.pk, number > 0), delay)
    return notification
