"""The simulated BSS answers self-service like a carrier's: allowances that drain over the month,
a bill run, itemised records, plan-change rules and cancellable services (tenants/simulators/selfcare.py)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tenants import ports
from tenants.gateways.bss import BssError
from tenants.simulators import selfcare
from tenants.simulators.models import SimBill, SimSubscriber
from tests.support.telecom import MAIN

pytestmark = pytest.mark.django_db


def _by_note(text: str) -> SimSubscriber:
    return SimSubscriber.objects.filter(note__contains=text).first()


def test_allowances_drain_over_the_month_and_a_heavy_user_runs_out(telecom):
    record = SimSubscriber.objects.get(number=MAIN)
    start, _end = selfcare.month_bounds(timezone.localdate())
    early = selfcare.usage(record, timezone.make_aware(dt.datetime.combine(start, dt.time(12))))
    late = selfcare.usage(record, timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=25), dt.time())))
    data_early, data_late = early.buckets[0], late.buckets[0]
    assert data_early.kind == "data" and data_early.total == Decimal(100 * 1024)  # 畅享 79: 100 GB
    assert (
        0 < data_early.used < data_late.used < data_late.total
        and data_late.remaining == data_late.total - data_late.used
    )
    heavy = SimSubscriber.objects.filter(usage_rate__gt=1).first()
    end_of_month = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=27), dt.time()))
    assert selfcare.usage(heavy, end_of_month).buckets[0].remaining == 0
    now = ports.bss().usage(MAIN)
    assert now.balance == SimSubscriber.objects.get(number=MAIN).balance and {b.kind for b in now.buckets} == {
        "data",
        "voice",
        "sms",
    }


def test_the_bill_run_writes_each_ended_month_once_and_arrears_show_overdue(telecom):
    bills = ports.bss().bills(MAIN)
    assert len(bills) == 6 and bills[0].period > bills[-1].period
    assert all(b.amount == sum(i.amount for i in b.items) for b in bills) and {b.status for b in bills} == {"paid"}
    assert ports.bss().bills(MAIN) == bills and SimBill.objects.filter(number=MAIN).count() == 6
    owing = SimSubscriber.objects.filter(arrears__gt=0).first()
    assert ports.bss().bills(owing.number)[0].status == "overdue"


def test_itemised_records_are_the_same_each_time_and_never_in_the_future(telecom):
    period = timezone.localdate().strftime("%Y-%m")
    first = ports.bss().records(MAIN, period)
    assert first == ports.bss().records(MAIN, period) and all(r.at <= timezone.now() for r in first)
    calls = ports.bss().records(MAIN, period, "call")
    assert calls and {r.kind for r in calls} == {"call"} and all(len(r.counterpart) == 11 for r in calls)


def test_plan_change_rules(telecom):
    bss = ports.bss()
    contract = SimSubscriber.objects.filter(contract_until__isnull=False).first()
    assert bss.quote_plan_change(contract.number, plan="plan-1", plan_fee=Decimal("19")).refusal == "contract"
    owing = SimSubscriber.objects.filter(arrears__gt=0).first()
    assert bss.quote_plan_change(owing.number, plan="plan-6", plan_fee=Decimal("129")).refusal == "arrears"
    suspended = SimSubscriber.objects.get(status="suspended", note__contains="停机")
    assert bss.quote_plan_change(suspended.number, plan="plan-6", plan_fee=Decimal("129")).refusal == "suspended"
    assert bss.quote_plan_change(MAIN, plan="plan-4", plan_fee=Decimal("79")).refusal == "same"
    cheaper = bss.quote_plan_change(MAIN, plan="plan-2", plan_fee=Decimal("39"))
    dearer = bss.quote_plan_change(MAIN, plan="plan-6", plan_fee=Decimal("129"))
    assert cheaper.allowed and cheaper.effective == ("next_month",) and cheaper.fee_difference == Decimal("-40")
    assert dearer.allowed and dearer.effective == ("next_month", "now")


def test_a_plan_change_for_next_month_applies_when_the_month_comes_and_a_key_repeats_nothing(telecom):
    bss = ports.bss()
    kwargs = {"number": MAIN, "plan": "plan-2", "plan_name": "畅享 39 元套餐", "plan_fee": Decimal("39")}
    starts = bss.change_plan(**kwargs, effective="next_month", key="t:plan:1")
    assert starts == selfcare.next_month(timezone.localdate()) and bss.subscriber(MAIN).plan != "畅享 39 元套餐"
    assert bss.change_plan(**kwargs, effective="next_month", key="t:plan:1") == starts
    with pytest.raises(BssError) as refused:
        bss.change_plan(**kwargs, effective="now", key="t:plan:2")
    assert refused.value.code == "bad_effective"
    record = SimSubscriber.objects.get(number=MAIN)
    assert selfcare.apply_pending(record, starts).plan == "畅享 39 元套餐"


def test_a_service_is_cancelled_as_its_rule_says_and_only_once(telecom):
    bss = ports.bss()
    services = {p.code: p for p in bss.products(MAIN) if p.kind == "vas"}
    assert services["crbt"].cancellable and services["crbt"].cancel_effective == "next_month"
    until = bss.cancel_product(number=MAIN, product="crbt", key="t:cancel:1")
    assert until == selfcare.month_bounds(timezone.localdate())[1]
    assert bss.cancel_product(number=MAIN, product="call-alert", key="t:cancel:2") == timezone.localdate()
    with pytest.raises(BssError):
        bss.cancel_product(number=MAIN, product="crbt", key="t:cancel:3")
    assert not any(p.cancellable for p in bss.products(MAIN) if p.kind == "vas")


def test_a_closed_number_has_no_self_service(telecom):
    closed = SimSubscriber.objects.get(status="closed", note__contains="销户")
    bss = ports.bss()
    assert bss.usage(closed.number) is None and bss.bills(closed.number) == () and bss.subscriber(closed.number) is None
