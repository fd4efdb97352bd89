"""The carrier's BSS (business support system): who is a subscriber, their broadband accounts,
and the operations that change them. Every mutating call carries an idempotency key: the same
key again returns the first result and has no second effect."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from tenants.gateways.errors import GatewayError

if TYPE_CHECKING:
    from tenants.models import Carrier  # the gateways sit below the models that name them


class BssError(GatewayError):
    """The BSS refused or failed (`code` says which)."""


@dataclass(frozen=True)
class Subscriber:
    number: str
    status: str  # "active" | "suspended" | "closed"
    plan: str
    balance: Decimal
    arrears: Decimal = Decimal("0")  # owed; > 0 means in arrears
    offers: tuple[str, ...] = ()  # codes of the offers the number is in (for conflicts)
    since: dt.date | None = None

    @property
    def in_arrears(self) -> bool:
        return self.arrears > 0


@dataclass(frozen=True)
class RenewalOption:
    code: str
    name: str
    months: int
    bandwidth_mbps: int
    price: Decimal
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class BroadbandAccount:
    account: str
    bound_number: str
    address_masked: str
    package: str
    bandwidth_mbps: int
    starts_on: dt.date
    expires_on: dt.date
    status: str  # "active" | "expired" | "suspended"
    renewals: tuple[RenewalOption, ...] = ()
    # Why it cannot be renewed online now ("arrears", "promotion", "first_month", "closed"), with detail.
    refusal: str = ""
    refusal_detail: dict = field(default_factory=dict)


class BssGateway(ABC):
    name: str

    def __init__(self, carrier: Carrier | None, config: dict):
        self.carrier = carrier
        self.config = config

    # -- lookups --------------------------------------------------------------------------
    @abstractmethod
    def subscriber(self, number: str) -> Subscriber | None:
        """The number's subscription at this carrier, or None if the carrier does not serve it."""

    def balance(self, number: str) -> Decimal | None:
        """The number's current balance in yuan (negative in arrears), or None if the carrier does
        not serve it. Adapters with a cheaper balance query override this; by default it is the
        subscriber lookup's balance."""
        served = self.subscriber(number)
        return None if served is None else served.balance - served.arrears

    @abstractmethod
    def broadband_account(self, *, account: str = "", number: str = "") -> BroadbandAccount | None:
        """A broadband account by its account code or its bound mobile number, with the renewals
        it may take now; None if not this carrier's."""

    @abstractmethod
    def number_status(self, number: str) -> str:
        """ "free", "reserved", "opened", "active", "suspended" or "closed": for reconciliation."""

    # -- operations (idempotent per key) ------------------------------------------------------
    @abstractmethod
    def renew_broadband(self, *, account: str, option: str, key: str) -> dt.date:
        """Renew with one of the account's options; returns the new expiry date."""

    @abstractmethod
    def credit_balance(self, *, number: str, amount: Decimal, reason: str, key: str) -> Decimal:
        """Add credit to a number (deposits, monthly bonuses); returns the new balance."""

    @abstractmethod
    def top_up(self, *, number: str, amount: Decimal, key: str) -> Decimal:
        """A paid top-up; returns the new balance."""

    @abstractmethod
    def join_offer(self, *, number: str, offer: str, key: str) -> None:
        """Record that the number took an offer (conflict and once-only checks read it back)."""

    @abstractmethod
    def apply_addon(self, *, number: str, addon: str, key: str) -> None:
        """Add a data/voice pack or plan change to a number (may be bought again and again)."""

    @abstractmethod
    def occupy_number(self, *, number: str, key: str) -> None:
        """Reserve a new number in the carrier's number resource system for an order."""

    @abstractmethod
    def release_number(self, *, number: str, key: str) -> None:
        """Give an occupied number back."""

    @abstractmethod
    def open_account(self, *, number: str, plan: str, key: str) -> str:
        """Open the subscription (开户) on an occupied number; returns the carrier's account id."""

    @abstractmethod
    def activate(self, *, number: str, key: str) -> None:
        """Switch an opened number on (after real-name verification passed)."""
