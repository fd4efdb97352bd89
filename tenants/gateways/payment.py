"""The payment gateway interface: create a payment and send the payer to the gateway's page,
receive its signed asynchronous notifications, query, close, refund.

Modelled on Alipay's and WeChat Pay's merchant APIs (out_trade_no chosen by the merchant,
form-encoded notifications signed over the sorted fields, "success" as the acknowledgement),
so a real adapter fits behind the same methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from core.errors import HallError
from tenants.gateways.errors import GatewayError

if TYPE_CHECKING:
    from tenants.models import Carrier  # the gateways sit below the models that name them


class PaymentGatewayError(GatewayError):
    """The payment gateway refused or failed."""


class BadNotification(HallError):
    """A notification failed verification (signature, fields); it must change nothing."""


@dataclass(frozen=True)
class PaymentState:
    out_trade_no: str
    status: str  # "pending" | "paid" | "closed"
    amount: Decimal
    trade_no: str = ""
    paid_at: datetime | None = None


@dataclass(frozen=True)
class RefundState:
    out_refund_no: str
    status: str  # "pending" | "succeeded" | "failed"
    amount: Decimal


@dataclass(frozen=True)
class Notification:
    """A verified notification. `event`: "paid", "failed" (one attempt failed; the payment stays
    open), "closed", or "refunded"."""

    notify_id: str
    event: str
    out_trade_no: str
    amount: Decimal
    trade_no: str = ""
    out_refund_no: str = ""
    refund_amount: Decimal | None = None
    sent_at: datetime | None = None


class PaymentGateway(ABC):
    name: str
    acknowledgement = "success"  # the body a notification handler answers once it took the news

    def __init__(self, carrier: Carrier | None, config: dict):
        self.carrier = carrier
        self.config = config

    @abstractmethod
    def create_payment(
        self,
        *,
        out_trade_no: str,
        amount: Decimal,
        subject: str,
        notify_url: str,
        return_url: str,
        expires_at: datetime,
    ) -> str:
        """Register the payment (idempotent per out_trade_no); return the URL to send the payer to."""

    @abstractmethod
    def query(self, out_trade_no: str) -> PaymentState:
        """The gateway's own view of the payment (for a payer back before the notification)."""

    @abstractmethod
    def close(self, out_trade_no: str) -> PaymentState:
        """Stop the payment from being paid; returns the final state, which is "paid" if the payer
        won the race."""

    @abstractmethod
    def refund(self, *, out_trade_no: str, out_refund_no: str, amount: Decimal, reason: str) -> RefundState:
        """Refund (idempotent per out_refund_no); the outcome also arrives as a notification."""

    @abstractmethod
    def parse_notification(self, fields: dict) -> Notification:
        """Verify a notification's signature and fields; raise BadNotification if anything is off."""
