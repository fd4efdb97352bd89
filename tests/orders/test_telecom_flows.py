"""Broadband renewal, deposit-for-credit and top-up from order to the carrier's systems: payout
schedules that sum exactly, payouts that resume after missed runs without double credits, and
refunds stopping them."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import DepositOffer
from orders import fulfilment
from orders.checkout import services as checkout
from orders.checkout import telecom as telecom_checkout
from orders.models import Order, Payout
from orders.payments import payouts
from subscribers.models import NumberAuthCode
from tenants.simulators.models import SimBroadbandAccount, SimSms, SimSubscriber
from tests.support.clients import host_client
from tests.support.orders import PASSWORD, signed_notification, start_sim_payment, subscriber
from tests.support.telecom import MAIN, sent_code

NOTIFY = "/api/payments/notify/simulator/"


@pytest.mark.parametrize(
    ("total", "parts"),
    [("100", 12), ("0.01", 12), ("1000000", 7), ("120", 11), ("5.50", 12), ("240", 12), ("99999.99", 24)],
)
def test_split_sums_exactly_and_the_last_month_takes_the_remainder(total, parts):
    amounts = payouts.split(Decimal(total), parts)
    assert len(amounts) == parts and sum(amounts) == Decimal(total)
    assert len(set(amounts[:-1])) <= 1 and all(a >= 0 for a in amounts)
    assert amounts[-1] >= amounts[0]


def test_the_real_120_back_in_11_months_schedule():
    """存 120 送 240（12 个月）: nothing of the deposit in month 1, then 10 a month, the rest last."""
    plan = payouts.plan(
        {"deposit": "120", "bonus": "240", "months": 12, "return_deposit_monthly": True, "deposit_from_month": 2},
        dt.date(2026, 1, 31),
    )
    assert [p.deposit_part for p in plan] == [0] + [Decimal("10")] * 10 + [Decimal("20")]
    assert all(p.bonus_part == 20 for p in plan) and sum(p.bonus_part + p.deposit_part for p in plan) == 360
    assert plan[1].due_on == dt.date(2026, 2, 28) and plan[11].due_on == dt.date(2026, 12, 31)


def _pay(order):
    carrier = connection.tenant
    payment = start_sim_payment(order)
    response = host_client("alpha.localhost").post(NOTIFY, signed_notification(payment, "paid"))
    connection.set_tenant(carrier)  # the request left its own copy of the carrier on the connection
    assert response.content == b"success"
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def test_broadband_renewal_from_order_to_new_expiry(telecom):
    account = SimBroadbandAccount.objects.get(account="BB1800001")
    view = telecom_checkout.find_broadband("BB1800001")
    option = next(o for o in view.renewals if o.code == "up-500-12")
    order = telecom_checkout.place_broadband_renewal(subscriber(), "BB1800001", "up-500-12", token="r1")
    assert (order.kind, order.payable, order.service_number) == ("broadband_renewal", option.price, MAIN)
    assert fulfilment.run(_pay(order).pk) == "completed"
    account.refresh_from_db()
    assert account.expires_on == option.ends_on and account.bandwidth_mbps == 500
    assert fulfilment.new_expiry(order) == option.ends_on
    assert fulfilment.run(order.pk) == "completed"  # a re-delivered task changes nothing
    account.refresh_from_db()
    assert account.expires_on == option.ends_on
    actions = list(order.events.values_list("action", flat=True))
    assert actions[-3:] == ["fulfilment_started", "renew_broadband", "completed"]
    texts = list(SimSms.objects.filter(number=MAIN).order_by("pk").values_list("text", flat=True))
    assert any(f"已续约至 {option.ends_on.isoformat()}" in t for t in texts), texts  # the text fits the kind
    assert not any("备货" in t for t in texts) and all(t.startswith("【") for t in texts)


@pytest.mark.parametrize(
    ("account", "words"),
    [
        ("BB1800003", "销户|closed"),
        ("BB1800004", "欠费|owes"),
        ("BB1800005", "合约|promotion"),
        ("BB1800006", "首月|first month"),
    ],
)
def test_renewal_refusals_explain_themselves(telecom, account, words):
    with pytest.raises(checkout.CheckoutError, match=words):
        telecom_checkout.place_broadband_renewal(subscriber(), account, "same-12", token=uuid.uuid4().hex)
    with pytest.raises(checkout.CheckoutError, match="BB9|匹配|matches"):
        telecom_checkout.find_broadband("BB9999999")


def test_deposit_for_credit_credits_the_deposit_and_pays_out_month_by_month(telecom):
    offer = DepositOffer.objects.get(code="deposit-100")
    before = SimSubscriber.objects.get(number=MAIN).balance
    order = telecom_checkout.place_deposit(subscriber(), offer, MAIN, token="d1")
    assert (order.kind, order.payable, order.deposit_total) == ("deposit_credit", Decimal("100.00"), Decimal("100.00"))
    from orders.live import live_signatures

    shown = live_signatures(order)  # what the open order page shows before the worker carries it on
    assert fulfilment.run(_pay(order).pk) == "completed"
    now = live_signatures(order)  # the page swaps in every section whose fingerprint moved
    assert now["head"] != shown["head"] and now["payouts"] != shown["payouts"]
    assert (
        now["aftersales"] != shown["aftersales"]
        and now["verification"] == shown["verification"] == live_signatures(order)["verification"]
    )
    rows = list(order.payouts.order_by("month"))
    assert len(rows) == 12 and sum(p.amount for p in rows) == offer.bonus
    assert [p.status for p in rows] == ["credited"] + ["pending"] * 11  # month 1 is due at once
    me = SimSubscriber.objects.get(number=MAIN)
    assert me.balance == before + offer.deposit + rows[0].amount and "deposit-100" in me.offers
    progress = payouts.progress(order)
    assert (progress["credited"], progress["total"], progress["next"].month) == (1, 12, 2)

    # beat missed three months: the next run credits months 2-4, once each
    later = timezone.localdate() + dt.timedelta(days=95)
    assert payouts.credit_due(today=later, order=order) == {"credited": 3, "failed": 0, "stopped": 0}
    assert payouts.credit_due(today=later, order=order) == {"credited": 0, "failed": 0, "stopped": 0}
    Payout.objects.filter(order=order, month=5).update(status="pending")  # as if marking it was lost
    balance = SimSubscriber.objects.get(number=MAIN).balance
    payouts.credit(Payout.objects.get(order=order, month=2))  # replayed: the BSS key stops a second credit
    assert SimSubscriber.objects.get(number=MAIN).balance == balance
    assert payouts.progress(order)["credited"] == 4


def test_refunding_a_deposit_order_stops_future_payouts(telecom):
    from orders.payments.services import request_refund

    order = telecom_checkout.place_deposit(subscriber(), DepositOffer.objects.get(code="deposit-120"), MAIN, token="d2")
    fulfilment.run(_pay(order).pk)
    assert not order.payouts.filter(status="credited").exists() or order.payouts.get(month=1).deposit_part == 0
    request_refund(Order.objects.get(pk=order.pk), reason="customer changed their mind")
    assert not order.payouts.filter(status="pending").exists()
    later = timezone.localdate() + dt.timedelta(days=400)
    assert payouts.credit_due(today=later, order=order)["credited"] == 0


@pytest.mark.parametrize(
    ("number_state", "words"),
    [
        ({"arrears": Decimal("5")}, "欠|owes"),
        ({"status": "suspended"}, "停机|suspended"),
        ({"offers": ["deposit-2025"]}, "不能同时|cannot be combined"),
        ({"offers": ["deposit-100"]}, "已参加|already"),
    ],
)
def test_deposit_eligibility(telecom, number_state, words):
    SimSubscriber.objects.filter(number=MAIN).update(**number_state)
    _sub, problems = telecom_checkout.deposit_problems(DepositOffer.objects.get(code="deposit-100"), MAIN)
    assert problems and any(__import__("re").search(words, p) for p in problems)
    with pytest.raises(checkout.CheckoutError):
        telecom_checkout.place_deposit(subscriber(), DepositOffer.objects.get(code="deposit-100"), MAIN, token="x")


def test_top_up_is_credited_after_payment(telecom):
    before = SimSubscriber.objects.get(number=MAIN).balance
    order = checkout.place_top_up(subscriber(), MAIN, "50", token="t1")
    assert fulfilment.run(_pay(order).pk) == "completed"
    assert SimSubscriber.objects.get(number=MAIN).balance == before + 50
    text = SimSms.objects.filter(number=MAIN).latest("pk").text
    assert "¥50 已充值到" in text and f"余额 ¥{before + 50:.2f}".rstrip("0").rstrip(".") in text, text


def test_a_permanent_refusal_refunds_when_nothing_was_done(telecom):
    order = checkout.place_top_up(subscriber(), MAIN, "30", token="t2")
    _pay(order)
    telecom.gateways = {**telecom.gateways, "bss": {"latency_ms": [0, 0], "permanent_error_rate": 1}}
    assert fulfilment.run(order.pk) == "refunding"
    assert order.events.filter(action="step_failed").exists() and order.payments.get().refunds.exists()


def test_a_transient_failure_asks_for_a_retry_and_the_step_runs_once_later(telecom):
    order = checkout.place_top_up(subscriber(), MAIN, "30", token="t3")
    _pay(order)
    before = SimSubscriber.objects.get(number=MAIN).balance
    telecom.gateways = {**telecom.gateways, "bss": {"latency_ms": [0, 0], "error_rate": 1}}
    with pytest.raises(fulfilment.RetryLater):
        fulfilment.run(order.pk)
    telecom.gateways = {**telecom.gateways, "bss": {"latency_ms": [0, 0]}}
    assert fulfilment.run(order.pk) == "completed"
    assert SimSubscriber.objects.get(number=MAIN).balance == before + 30
    assert order.steps.get().attempts == 2


def test_broadband_pages_authenticate_the_number_then_order(telecom):
    user = subscriber()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": user.username, "password": PASSWORD})
    assert client.get("/broadband/renew/BB1800001/").status_code == 302  # not authenticated yet
    page = client.post("/broadband/renew/", {"action": "lookup", "query": "BB1800001"}, follow=True).content.decode()
    assert "180****0001" in page and 'data-testid="code-form"' in page
    wrong = client.post("/broadband/renew/", {"action": "verify", "code": "000000"}).content.decode()
    assert 'data-testid="renew-error"' in wrong
    response = client.post("/broadband/renew/", {"action": "verify", "code": sent_code(MAIN)})
    assert response.status_code == 302 and response["Location"] == "/broadband/renew/BB1800001/"
    account_page = client.get(response["Location"]).content.decode()
    assert account_page.count('data-testid="renewal-option"') == 3
    placed = client.post(response["Location"], {"option": "same-12", "token": "p1"})
    assert placed.status_code == 302 and placed["Location"].startswith("/sim/pay/")
    assert Order.objects.get(user=user).kind == "broadband_renewal"


def test_deposit_pages_authenticate_then_check_eligibility(telecom):
    user = subscriber()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": user.username, "password": PASSWORD})
    listing = client.get("/deposit/").content.decode()
    assert listing.count('data-testid="deposit-offer"') == 3
    # the list says what the offer's page and its schedule say: 存 100 送 120 credits ¥100 at once
    assert "存 100 送 120（12 个月）</p>" in listing and "存款立即到账，另 12 个月共返 ¥120" in listing
    assert "共返 ¥220" not in listing
    client.post("/deposit/deposit-100/", {"action": "send", "number": MAIN})
    page = client.post(
        "/deposit/deposit-100/", {"action": "verify", "code": sent_code(MAIN)}, follow=True
    ).content.decode()
    assert 'data-testid="deposit-place"' in page
    placed = client.post("/deposit/deposit-100/", {"action": "place", "token": "q1"})
    assert placed.status_code == 302 and placed["Location"].startswith("/sim/pay/")


def test_codes_go_only_to_the_carriers_numbers_and_are_limited_per_address(telecom, monkeypatch):
    from subscribers import code_step

    monkeypatch.setattr(code_step, "CODES_PER_IP_PER_HOUR", 3)
    user = subscriber()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": user.username, "password": PASSWORD})
    stranger = client.post("/deposit/deposit-100/", {"action": "send", "number": "19999999999"}).content.decode()
    assert "不是本运营商的号码" in stranger
    numbers = list(SimSubscriber.objects.exclude(number="19999999999").values_list("number", flat=True)[:3])
    for number in numbers[:2]:
        page = client.post("/deposit/deposit-100/", {"action": "send", "number": number}, follow=True).content.decode()
        assert 'data-testid="code-form"' in page and "频繁" not in page
    refused = client.post("/deposit/deposit-100/", {"action": "send", "number": numbers[2]}).content.decode()
    assert "获取验证码过于频繁" in refused
    assert not NumberAuthCode.objects.filter(number=numbers[2]).exists()


def _deposit_client():
    user = subscriber()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": user.username, "password": PASSWORD})
    return client


def test_a_refused_send_never_shows_the_code_step(telecom):
    client = _deposit_client()
    texts = SimSms.objects.count()
    page = client.post("/deposit/deposit-100/", {"action": "send", "number": "19999999999"}).content.decode()
    assert "不是本运营商的号码" in page and 'data-testid="code-form"' not in page and "已发送" not in page
    assert SimSms.objects.count() == texts


def test_the_code_step_survives_a_reload_and_refuses_letters_without_using_a_try(telecom):
    client = _deposit_client()
    client.post("/deposit/deposit-100/", {"action": "send", "number": MAIN})
    reloaded = client.get("/deposit/deposit-100/").content.decode()
    assert 'data-testid="code-form"' in reloaded and "180****0001" in reloaded
    assert 'data-testid="resend-code" disabled' in reloaded and "重新发送" in reloaded  # the 60 s wait
    letters = client.post("/deposit/deposit-100/", {"action": "verify", "code": "12a456"}).content.decode()
    assert "6 位数字" in letters and 'data-testid="code-form"' in letters
    assert NumberAuthCode.objects.get(number=MAIN).attempts == 0
    page = client.post(
        "/deposit/deposit-100/", {"action": "verify", "code": sent_code(MAIN)}, follow=True
    ).content.decode()
    assert 'data-testid="deposit-place"' in page and 'data-testid="change-number"' in page


def test_send_again_after_the_wait_and_change_the_number(telecom):
    client = _deposit_client()
    client.post("/deposit/deposit-100/", {"action": "send", "number": MAIN})
    too_soon = client.post("/deposit/deposit-100/", {"action": "resend"}).content.decode()
    assert "秒后" in too_soon and NumberAuthCode.objects.filter(number=MAIN).count() == 1
    NumberAuthCode.objects.filter(number=MAIN).update(created_at=timezone.now() - dt.timedelta(seconds=61))
    client.post("/deposit/deposit-100/", {"action": "resend"})
    assert NumberAuthCode.objects.filter(number=MAIN).count() == 2
    changed = client.post("/deposit/deposit-100/", {"action": "change"}, follow=True).content.decode()
    assert 'data-testid="code-form"' not in changed and 'data-testid="deposit-number"' in changed


def test_broadband_code_step_keeps_its_account_through_a_reload_and_can_start_over(telecom):
    client = _deposit_client()
    client.post("/broadband/renew/", {"action": "lookup", "query": "BB1800001"})
    assert 'data-testid="code-form"' in client.get("/broadband/renew/").content.decode()
    done = client.post("/broadband/renew/", {"action": "verify", "code": sent_code(MAIN)})
    assert done.status_code == 302 and done["Location"] == "/broadband/renew/BB1800001/"
    again = client.post("/broadband/renew/", {"action": "change"}, follow=True).content.decode()
    assert 'data-testid="renew-query"' in again
    assert client.get("/broadband/renew/BB1800001/").status_code == 302  # started over: confirm again
