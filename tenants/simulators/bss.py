"""The built-in BSS simulator: subscribers, balances, arrears, conflicting offers and broadband
accounts kept in the carrier's schema, with the renewal rules a provincial operator applies.

Renewal rules (documented for demo users and tests):
- an account whose bound number owes money cannot renew ("arrears");
- nor one inside a promotion contract ("promotion"), nor in its first (free) month ("first_month");
- an account expired more than GRACE_DAYS ago is closed: a new installation is needed ("closed");
- otherwise: the same package for 12 or 24 months (24 at 15 % off) and, below gigabit, an upgrade
  to the next bandwidth for 12 months. A renewal starts the day after the current expiry, or
  today if the account has already expired.

Configuration (`Carrier.gateways["bss"]`): latency_ms [min, max], error_rate (transient),
permanent_error_rate (refusals of mutating calls).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from tenants.gateways.bss import BroadbandAccount, BssError, BssGateway, RenewalOption, Subscriber
from tenants.simulators import selfcare
from tenants.simulators.behaviour import KeyReused, once, simulate_call
from tenants.simulators.models import SimBroadbandAccount, SimSubscriber

GRACE_DAYS = 90
FIRST_FREE_DAYS = 30
# Bandwidth ladder: Mbps → (package name, monthly fee in yuan).
PACKAGES = {
    100: ("100M 宽带", Decimal("50")),
    300: ("300M 宽带", Decimal("80")),
    500: ("500M 宽带", Decimal("100")),
    1000: ("千兆宽带", Decimal("130")),
}
TWO_YEAR_FACTOR = Decimal("0.85")


def package_name(mbps: int) -> str:
    return PACKAGES.get(mbps, (f"{mbps}M 宽带", Decimal("0")))[0]


def mask_address(address: str) -> str:
    """Keep the district-level start and the last two characters: enough to recognise one's home;
    a fixed mask between, so its length says nothing either."""
    return address if len(address) <= 8 else address[:6] + "****" + address[-2:]


def renewal_options(record: SimBroadbandAccount, today: dt.date) -> list[RenewalOption]:
    start = max(record.expires_on + dt.timedelta(days=1), today)
    name, fee = PACKAGES.get(record.bandwidth_mbps, (package_name(record.bandwidth_mbps), Decimal("0")))

    def option(code, label, months, mbps, price):
        ends = start + relativedelta(months=months) - dt.timedelta(days=1)
        return RenewalOption(code, label, months, mbps, price.quantize(Decimal("1"), ROUND_HALF_UP), start, ends)

    options = [
        option("same-12", f"{name} 12 个月", 12, record.bandwidth_mbps, fee * 12),
        option("same-24", f"{name} 24 个月", 24, record.bandwidth_mbps, fee * 24 * TWO_YEAR_FACTOR),
    ]
    faster = [m for m in sorted(PACKAGES) if m > record.bandwidth_mbps]
    if faster:
        up_name, up_fee = PACKAGES[faster[0]]
        options.append(option(f"up-{faster[0]}-12", f"升级 {up_name} 12 个月", 12, faster[0], up_fee * 12))
    return options


def refusal(record: SimBroadbandAccount, today: dt.date) -> tuple[str, dict]:
    subscriber = SimSubscriber.objects.filter(number=record.bound_number).first()
    if record.expires_on < today - dt.timedelta(days=GRACE_DAYS):
        return "closed", {"expired_on": record.expires_on.isoformat()}
    if subscriber is not None and subscriber.arrears > 0:
        return "arrears", {"amount": str(subscriber.arrears)}
    if record.promotion_until and record.promotion_until >= today:
        return "promotion", {"until": record.promotion_until.isoformat()}
    if record.opened_on > today - dt.timedelta(days=FIRST_FREE_DAYS):
        return "first_month", {"opened_on": record.opened_on.isoformat()}
    return "", {}


def _reserve(number: str) -> str:
    """A new number's row, reserved, or the row it has: its status, in one statement (INSERT … ON
    CONFLICT, no savepoint; the ORM's upsert returns only the id, hence the SQL)."""
    blank = SimSubscriber(number=number, status=SimSubscriber.Status.RESERVED)
    fields = [f for f in SimSubscriber._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(SimSubscriber._meta.db_table)} "
            f"({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            "ON CONFLICT (number) DO UPDATE SET number = EXCLUDED.number RETURNING status",
            [f.get_db_prep_save(f.pre_save(blank, add=True), connection) for f in fields],
        )
        return cursor.fetchone()[0]


def _credit(number: str, amount: Decimal) -> Decimal | None:
    """Credit pays what is owed first, the rest goes to the balance: one UPDATE (the row is locked
    by it) that returns the new balance; None if the number is not a subscriber's."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(SimSubscriber._meta.db_table)} "
            "SET balance = balance + %s - LEAST(arrears, %s), arrears = GREATEST(arrears - %s, 0) "
            "WHERE number = %s AND status <> %s RETURNING balance",
            [amount, amount, amount, number, SimSubscriber.Status.CLOSED],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


class SimulatedBss(BssGateway):
    name = "simulator"

    def _call(self, mutating=False):
        simulate_call(
            self.config,
            lambda: BssError("BSS busy (simulated)", "busy", transient=True),
            (lambda: BssError("BSS refused the request (simulated)", "refused")) if mutating else None,
        )

    def _once(self, key, operation, perform):
        try:
            return once(key, operation, perform)
        except KeyReused as exc:
            raise BssError(str(exc), "key_reused") from None

    # -- lookups ------------------------------------------------------------------------------
    def subscriber(self, number):
        self._call()
        record = (
            SimSubscriber.objects.filter(number=number)
            .exclude(status__in=[SimSubscriber.Status.RESERVED, SimSubscriber.Status.CLOSED])
            .first()
        )
        if record is None:
            return None
        record = selfcare.apply_pending(record, timezone.localdate())
        return Subscriber(
            record.number,
            record.status,
            record.plan,
            record.balance,
            record.arrears,
            tuple(record.offers),
            record.since,
            record.plan_fee,
            record.contract_until,
        )

    def _served(self, number: str) -> SimSubscriber | None:
        record = (
            SimSubscriber.objects.filter(number=number)
            .exclude(status__in=[SimSubscriber.Status.RESERVED, SimSubscriber.Status.CLOSED])
            .first()
        )
        return None if record is None else selfcare.apply_pending(record, timezone.localdate())

    def usage(self, number):
        self._call()
        record = self._served(number)
        return None if record is None else selfcare.usage(record, timezone.now())

    def products(self, number):
        self._call()
        record = self._served(number)
        return () if record is None else selfcare.products(record)

    def bills(self, number, months=6):
        self._call()
        record = self._served(number)
        return () if record is None else selfcare.bills(record, timezone.localdate(), months)

    def records(self, number, period, kind=""):
        self._call()
        record = self._served(number)
        return () if record is None else selfcare.records(record, period, kind, timezone.now())

    def quote_plan_change(self, number, *, plan, plan_fee):
        self._call()
        record = self._served(number)
        if record is None:
            raise BssError("not a subscriber of this carrier", "not_found")
        return selfcare.quote(record, plan, Decimal(plan_fee), timezone.localdate())

    def broadband_accounts(self, number):
        self._call()
        codes = SimBroadbandAccount.objects.filter(bound_number=number).order_by("account")
        found = (self.broadband_account(account=code) for code in codes.values_list("account", flat=True))
        return tuple(account for account in found if account is not None)

    def balance(self, number):
        self._call()
        row = (
            SimSubscriber.objects.filter(number=number)
            .exclude(status__in=[SimSubscriber.Status.RESERVED, SimSubscriber.Status.CLOSED])
            .values_list("balance", "arrears")
            .first()
        )
        return None if row is None else row[0] - row[1]

    def number_status(self, number):
        self._call()
        record = SimSubscriber.objects.filter(number=number).first()
        return record.status if record else "free"

    def broadband_account(self, *, account="", number=""):
        self._call()
        records = SimBroadbandAccount.objects.all()
        record = (
            records.filter(account=account.strip().upper())
            if account
            else records.filter(bound_number=number).order_by("-expires_on")
        ).first()
        if record is None:
            return None
        today = timezone.localdate()
        reason, detail = refusal(record, today)
        status = "suspended" if record.suspended else ("expired" if record.expires_on < today else "active")
        return BroadbandAccount(
            account=record.account,
            bound_number=record.bound_number,
            address_masked=mask_address(record.address),
            package=package_name(record.bandwidth_mbps),
            bandwidth_mbps=record.bandwidth_mbps,
            starts_on=record.starts_on,
            expires_on=record.expires_on,
            status=status,
            renewals=() if reason else tuple(renewal_options(record, today)),
            refusal=reason,
            refusal_detail=detail,
        )

    # -- operations ---------------------------------------------------------------------------
    def renew_broadband(self, *, account, option, key):
        self._call(mutating=True)

        def perform():  # in once()'s transaction, as every operation below
            record = SimBroadbandAccount.objects.select_for_update().filter(account=account).first()
            if record is None:
                raise BssError("no such broadband account", "not_found")
            today = timezone.localdate()
            reason, _detail = refusal(record, today)
            if reason:
                raise BssError(f"renewal refused: {reason}", reason)
            chosen = next((o for o in renewal_options(record, today) if o.code == option), None)
            if chosen is None:
                raise BssError("no such renewal option", "bad_option")
            if record.expires_on < today:
                record.starts_on = chosen.starts_on
            record.expires_on, record.bandwidth_mbps = chosen.ends_on, chosen.bandwidth_mbps
            record.save(update_fields=["starts_on", "expires_on", "bandwidth_mbps"])
            return {"expires_on": chosen.ends_on.isoformat()}

        return dt.date.fromisoformat(self._once(key, "renew_broadband", perform)["expires_on"])

    def _add_balance(self, operation, number, amount, key):
        amount = Decimal(amount)
        if amount <= 0:
            raise BssError("amount must be positive", "bad_amount")

        def perform():
            balance = _credit(number, amount)
            if balance is None:
                raise BssError("not a subscriber of this carrier", "not_found")
            return {"balance": str(balance)}

        return Decimal(self._once(key, operation, perform)["balance"])

    def credit_balance(self, *, number, amount, reason, key):
        self._call(mutating=True)
        return self._add_balance("credit_balance", number, amount, key)

    def top_up(self, *, number, amount, key):
        self._call(mutating=True)
        return self._add_balance("top_up", number, amount, key)

    def join_offer(self, *, number, offer, key):
        self._call(mutating=True)

        def perform():
            record = SimSubscriber.objects.select_for_update().filter(number=number).first()
            if record is None:
                raise BssError("not a subscriber of this carrier", "not_found")
            if offer in record.offers:
                raise BssError("already in this offer", "already_joined")
            record.offers = [*record.offers, offer]
            record.save(update_fields=["offers"])
            return {}

        self._once(key, "join_offer", perform)

    def apply_addon(self, *, number, addon, key):
        self._call(mutating=True)

        def perform():
            record = SimSubscriber.objects.select_for_update().filter(number=number).first()
            if record is None or record.status != SimSubscriber.Status.ACTIVE:
                raise BssError("not an active subscriber of this carrier", "not_found")
            record.offers = [*record.offers, addon]
            record.save(update_fields=["offers"])
            return {}

        self._once(key, "apply_addon", perform)

    def occupy_number(self, *, number, key):
        self._call(mutating=True)

        def perform():
            if _reserve(number) != SimSubscriber.Status.RESERVED:
                raise BssError("number already in use", "in_use")
            return {}

        self._once(key, "occupy_number", perform)

    def release_number(self, *, number, key):
        self._call(mutating=True)
        self._once(
            key,
            "release_number",
            lambda: (
                SimSubscriber.objects.filter(
                    number=number, status__in=[SimSubscriber.Status.RESERVED, SimSubscriber.Status.OPENED]
                ).delete()
                and {}
            ),
        )

    def open_account(self, *, number, plan, key):
        self._call(mutating=True)

        def perform():
            account_id = "AC" + secrets.token_hex(6).upper()
            updated = SimSubscriber.objects.filter(number=number, status=SimSubscriber.Status.RESERVED).update(
                status=SimSubscriber.Status.OPENED, plan=plan[:60], account_id=account_id, since=timezone.localdate()
            )
            if not updated:
                raise BssError("number not occupied", "not_occupied")
            return {"account_id": account_id}

        return self._once(key, "open_account", perform)["account_id"]

    def activate(self, *, number, key):
        self._call(mutating=True)

        def perform():
            opened = SimSubscriber.objects.filter(
                number=number, status__in=[SimSubscriber.Status.OPENED, SimSubscriber.Status.ACTIVE]
            )
            if not opened.update(status=SimSubscriber.Status.ACTIVE):
                raise BssError("account not opened", "not_opened")
            return {}

        self._once(key, "activate", perform)

    def change_plan(self, *, number, plan, plan_name, plan_fee, effective, key, allowances=None):
        self._call(mutating=True)
        wanted = {"code": plan, "name": plan_name, "fee": str(plan_fee), **(allowances or {})}
        today = timezone.localdate()
        done = self._once(key, "change_plan", lambda: selfcare.change_plan(number, wanted, effective, today))
        return dt.date.fromisoformat(done["from"])

    def cancel_product(self, *, number, product, key):
        self._call(mutating=True)
        done = self._once(key, "cancel_product", lambda: selfcare.cancel_service(number, product, timezone.localdate()))
        return dt.date.fromisoformat(done["until"])
