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
    plan_fee: Decimal = Decimal("0")  # the plan's monthly fee
    contract_until: dt.date | None = None  # a plan contract (合约) runs until then

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


@dataclass(frozen=True)
class Bucket:
    """An allowance of the current cycle, as TMF654's usage buckets: so much in total, so much used."""

    kind: str  # "data" | "voice" | "sms"
    name: str
    unit: str  # "MB" | "min" | "msg"
    total: Decimal
    used: Decimal
    valid_from: dt.date
    valid_until: dt.date

    @property
    def remaining(self) -> Decimal:
        return max(self.total - self.used, Decimal("0"))

    @property
    def used_share(self) -> float:
        return float(min(self.used / self.total, Decimal("1"))) if self.total else 0.0


@dataclass(frozen=True)
class Usage:
    """The number's money and allowances now, as the BSS sees them at `as_of`."""

    number: str
    as_of: dt.datetime
    status: str
    balance: Decimal
    arrears: Decimal
    buckets: tuple[Bucket, ...] = ()


@dataclass(frozen=True)
class Product:
    """What the number has (TMF637-style): its plan, add-ons and value-added services."""

    code: str
    name: str
    kind: str  # "plan" | "addon" | "vas"
    starts_on: dt.date
    ends_on: dt.date | None = None
    monthly_fee: Decimal = Decimal("0")
    cancellable: bool = False
    cancel_effective: str = ""  # "now" | "next_month": when a cancellation takes effect


@dataclass(frozen=True)
class BillItem:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class Bill:
    """A monthly bill (TMF678-style)."""

    period: str  # "YYYY-MM"
    amount: Decimal
    items: tuple[BillItem, ...]
    status: str  # "paid" | "unpaid" | "overdue"
    due_on: dt.date


@dataclass(frozen=True)
class Record:
    """One itemised record: a call, a text or a data session. Personal data: never cached or logged."""

    at: dt.datetime
    kind: str  # "call" | "sms" | "data"
    direction: str  # "out" | "in" ("" for data)
    counterpart: str  # the other number ("" for data)
    quantity: int  # seconds of a call, texts, or KB of data
    amount: Decimal


@dataclass(frozen=True)
class PlanChangeQuote:
    """Whether the number may move to `plan`, and how: the BSS's rules decide."""

    plan: str
    allowed: bool
    refusal: str = ""  # "contract" | "arrears" | "suspended" | "conflict" | "same"
    refusal_detail: dict = field(default_factory=dict)
    effective: tuple[str, ...] = ()  # "next_month", and "now" where the rules allow it
    fee_difference: Decimal = Decimal("0")  # new monthly fee − current


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
    def broadband_accounts(self, number: str) -> tuple[BroadbandAccount, ...]:
        """Every broadband account bound to the mobile number."""

    # -- self-service reads ---------------------------------------------------------------
    @abstractmethod
    def usage(self, number: str) -> Usage | None:
        """Balance and this cycle's allowances, or None if the carrier does not serve the number."""

    @abstractmethod
    def products(self, number: str) -> tuple[Product, ...]:
        """The plan, add-ons and value-added services the number has now."""

    @abstractmethod
    def bills(self, number: str, months: int = 6) -> tuple[Bill, ...]:
        """The last `months` monthly bills, the newest first."""

    @abstractmethod
    def records(self, number: str, period: str, kind: str = "") -> tuple[Record, ...]:
        """The itemised records of a month ("YYYY-MM"), optionally of one kind, the newest first."""

    @abstractmethod
    def quote_plan_change(self, number: str, *, plan: str, plan_fee: Decimal) -> PlanChangeQuote:
        """May the number move to `plan` (monthly `plan_fee`), from when, at what difference."""

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

    @abstractmethod
    def change_plan(
        self,
        *,
        number: str,
        plan: str,
        plan_name: str,
        plan_fee: Decimal,
        effective: str,
        key: str,
        allowances: dict | None = None,
    ) -> dt.date:
        """Move the number to another plan, "now" or from "next_month"; returns the day it applies.
        Refused (BssError with the quote's refusal as code) when the rules do not allow it.
        `allowances` ({"data_mb", "voice_min", "sms_msgs"}) is what the shop's catalogue says the plan
        includes, for a BSS that takes it from there (a real one knows its own plans)."""

    @abstractmethod
    def cancel_product(self, *, number: str, product: str, key: str) -> dt.date:
        """退订: cancel an add-on or value-added service; returns the day it stops."""
