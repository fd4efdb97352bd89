"""What the simulated BSS answers for self-service, so that 我的 is real on one machine.

- Allowances drain over simulated time: in the current month (the carrier's calendar) a subscriber
  has used `usage_rate` × the share of the month gone × each allowance (capped at the allowance); a
  rate above 1 runs out before the month ends. Each data pack bought (`apply_addon`) adds 1 GB.
- The bill run writes each month that ended once (plan fee, services, usage beyond the plan);
  a bill is paid, except the last one of a subscriber in arrears, which is overdue.
- Itemised records are generated from (number, month) the same every time, up to now.
- Plan change rules: refused while suspended, in arrears, under a contract, or for a cheaper plan
  while in an offer that needs the current fee (deposit-for-credit); a dearer plan may start now,
  any plan may start next month. A change for next month is applied when that month comes.
- Services (彩铃, 来电提醒 …) may be cancelled: they stop at the end of the month, or at once where
  the service says so."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from tenants.gateways.bss import Bill, BillItem, BssError, Bucket, PlanChangeQuote, Product, Record, Usage
from tenants.simulators.models import SimBill, SimSubscriber

CONFLICTING_OFFERS = ("deposit-",)  # deposit-for-credit needs the plan it was sold on, or dearer
PACK_MB = 1024
MB = Decimal("1")


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def next_month(day: dt.date) -> dt.date:
    return month_bounds(day)[1] + dt.timedelta(days=1)


def apply_pending(record: SimSubscriber, today: dt.date) -> SimSubscriber:
    """A plan change booked for a month that has come applies now (the month's rollover)."""
    pending = record.pending_plan or {}
    if pending and dt.date.fromisoformat(pending["from"]) <= today:
        with transaction.atomic():
            record = SimSubscriber.objects.select_for_update().get(pk=record.pk)
            pending = record.pending_plan or {}
            if pending and dt.date.fromisoformat(pending["from"]) <= today:
                _switch(record, pending)
                record.pending_plan = {}
                record.save()
    return record


def _switch(record: SimSubscriber, plan: dict) -> None:
    record.plan, record.plan_code, record.plan_fee = plan["name"], plan["code"], Decimal(plan["fee"])
    for field in ("data_mb", "voice_min", "sms_msgs"):
        if field in plan:
            setattr(record, field, int(plan[field]))


def usage(record: SimSubscriber, now: dt.datetime) -> Usage:
    today = timezone.localdate(now)
    start, end = month_bounds(today)
    elapsed = (now - timezone.make_aware(dt.datetime.combine(start, dt.time()))).total_seconds()
    share = Decimal(str(elapsed / ((end - start).days + 1) / 86400)) * record.usage_rate

    def bucket(kind, name, unit, total):
        total = Decimal(total)
        used = min(total, (total * share).quantize(MB, ROUND_HALF_UP))
        return Bucket(kind, name, unit, total, used, start, end)

    packs = sum(1 for offer in record.offers if offer.startswith("addon"))
    buckets = [
        bucket("data", "套餐内流量", "MB", record.data_mb),
        bucket("voice", "套餐内通话", "min", record.voice_min),
        bucket("sms", "套餐内短信", "msg", record.sms_msgs),
    ]
    if packs:
        buckets.append(Bucket("data", "流量包", "MB", Decimal(PACK_MB * packs), Decimal("0"), start, end))
    return Usage(
        record.number, now, record.status, record.balance, record.arrears, tuple(b for b in buckets if b.total)
    )


def products(record: SimSubscriber) -> tuple[Product, ...]:
    since = record.since or dt.date(2020, 1, 1)
    items = [Product(record.plan_code or "plan", record.plan, "plan", since, record.contract_until, record.plan_fee)]
    for offer in record.offers:
        kind = "addon" if offer.startswith("addon") else "offer"
        items.append(Product(offer, offer, kind, since))
    for service in record.services:
        items.append(
            Product(
                service["code"],
                service["name"],
                "vas",
                dt.date.fromisoformat(service["since"]),
                dt.date.fromisoformat(service["until"]) if service.get("until") else None,
                Decimal(service.get("fee", "0")),
                cancellable=not service.get("until"),
                cancel_effective=service.get("cancel", "next_month"),
            )
        )
    return tuple(items)


def _rng(number: str, period: str) -> random.Random:
    return random.Random(f"{number}:{period}")


def bills(record: SimSubscriber, today: dt.date, months: int) -> tuple[Bill, ...]:
    """The bill run for each ended month since the subscriber joined (at most `months` back)."""
    out = []
    month_start = month_bounds(today)[0]
    for back in range(1, months + 1):
        start = _back(month_start, back)
        if record.since and start < record.since.replace(day=1):
            break
        period = start.strftime("%Y-%m")
        bill = SimBill.objects.filter(number=record.number, period=period).first() or _run(record, start, back)
        out.append(
            Bill(
                bill.period,
                bill.amount,
                tuple(BillItem(name, Decimal(amount)) for name, amount in bill.items),
                bill.status,
                bill.due_on,
            )
        )
    return tuple(out)


def _back(month_start: dt.date, months: int) -> dt.date:
    year, month = month_start.year, month_start.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)


def _run(record: SimSubscriber, start: dt.date, back: int) -> SimBill:
    rng = _rng(record.number, start.strftime("%Y-%m"))
    items = [["套餐月费", str(record.plan_fee)]]
    for service in record.services:
        if Decimal(service.get("fee", "0")):
            items.append([service["name"], service["fee"]])
    if rng.random() < 0.4:
        items.append(["套餐外通话", f"{Decimal(rng.randrange(1, 60)) / 10:.2f}"])
    if rng.random() < 0.3:
        items.append(["套餐外流量", f"{Decimal(rng.randrange(5, 200)) / 10:.2f}"])
    amount = sum((Decimal(a) for _n, a in items), Decimal("0"))
    status = "overdue" if back == 1 and record.arrears > 0 else "paid"
    due = next_month(start).replace(day=15)
    bill, _created = SimBill.objects.get_or_create(
        number=record.number,
        period=start.strftime("%Y-%m"),
        defaults={"amount": amount, "items": items, "status": status, "due_on": due},
    )
    return bill


def records(record: SimSubscriber, period: str, kind: str, now: dt.datetime) -> tuple[Record, ...]:
    start = dt.date.fromisoformat(f"{period}-01")
    end = month_bounds(start)[1]
    rng = _rng(record.number, period)
    days = (end - start).days + 1
    out = []
    for _i in range(rng.randrange(30, 70)):
        at = timezone.make_aware(
            dt.datetime.combine(start + dt.timedelta(days=rng.randrange(days)), dt.time())
            + dt.timedelta(seconds=rng.randrange(7 * 3600, 23 * 3600))
        )
        what = rng.choices(["call", "sms", "data"], [5, 2, 4])[0]
        other = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        if what == "call":
            item = Record(at, "call", rng.choice(["out", "in"]), other, rng.randrange(10, 900), Decimal("0"))
        elif what == "sms":
            item = Record(at, "sms", rng.choice(["out", "in"]), other, 1, Decimal("0"))
        else:
            item = Record(at, "data", "", "", rng.randrange(200, 300_000), Decimal("0"))
        if at <= now and (not kind or item.kind == kind):
            out.append(item)
    return tuple(sorted(out, key=lambda r: r.at, reverse=True))


def quote(record: SimSubscriber, plan: str, plan_fee: Decimal, today: dt.date) -> PlanChangeQuote:
    difference = Decimal(plan_fee) - record.plan_fee
    if plan == record.plan_code:
        return PlanChangeQuote(plan, False, "same")
    if record.status == SimSubscriber.Status.SUSPENDED:
        return PlanChangeQuote(plan, False, "suspended")
    if record.arrears > 0:
        return PlanChangeQuote(plan, False, "arrears", {"amount": str(record.arrears)})
    if record.contract_until and record.contract_until >= today:
        return PlanChangeQuote(plan, False, "contract", {"until": record.contract_until.isoformat()})
    conflict = next((o for o in record.offers if o.startswith(CONFLICTING_OFFERS)), None)
    if conflict and difference < 0:
        return PlanChangeQuote(plan, False, "conflict", {"offer": conflict})
    when = ("next_month", "now") if difference > 0 else ("next_month",)
    return PlanChangeQuote(plan, True, effective=when, fee_difference=difference)


def change_plan(number: str, plan: dict, effective: str, today: dt.date) -> dict:
    with transaction.atomic():
        record = SimSubscriber.objects.select_for_update().filter(number=number).first()
        if record is None or record.status == SimSubscriber.Status.CLOSED:
            raise BssError("not a subscriber of this carrier", "not_found")
        answer = quote(record, plan["code"], Decimal(plan["fee"]), today)
        if not answer.allowed:
            raise BssError(f"plan change refused: {answer.refusal}", answer.refusal)
        if effective not in answer.effective:
            raise BssError("plan change cannot take effect then", "bad_effective")
        if effective == "now":
            _switch(record, plan)
            record.pending_plan = {}
            starts = today
        else:
            starts = next_month(today)
            record.pending_plan = {**plan, "from": starts.isoformat()}
        record.save()
        return {"from": starts.isoformat()}


def cancel_service(number: str, code: str, today: dt.date) -> dict:
    with transaction.atomic():
        record = SimSubscriber.objects.select_for_update().filter(number=number).first()
        if record is None:
            raise BssError("not a subscriber of this carrier", "not_found")
        services = list(record.services)
        found = next((s for s in services if s["code"] == code and not s.get("until")), None)
        if found is None:
            raise BssError("no such service to cancel", "not_cancellable")
        stops = today if found.get("cancel") == "now" else month_bounds(today)[1]
        found["until"] = stops.isoformat()
        record.services = services
        record.save(update_fields=["services"])
        return {"until": stops.isoformat()}
