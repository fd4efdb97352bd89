"""Broadband renewal and deposit-for-credit in a real browser with a real worker: number
authentication by SMS code, the BSS's view of the account or number, an order paid on the
simulated gateway, and the worker carrying it to the carrier (new expiry, credited deposit)."""

import re

import pytest
from django_tenants.utils import schema_context

from tenants.simulators.models import SimSms, SimSubscriber
from tests.support.browser import sign_up
from tests.support.clients import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def _code_sent_to(number):
    with schema_context("c_alpha"):  # the subscriber's phone: the SMS simulator's outbox
        text = SimSms.objects.filter(number=number).order_by("-pk").first().text
    return re.search(r"\d{6}", text).group()


def _pay_and_wait_for(phone, words):
    phone.wait_for_url(re.compile(r"/sim/pay/"))
    phone.get_by_test_id("sim-pay").click()
    phone.wait_for_url(re.compile(r"/orders/\d+/$"))

    def done():
        phone.reload()
        return phone.get_by_test_id("order-status").inner_text() == "已完成"

    wait_until(done, timeout=60, interval=1, what="the worker to finish the order")
    timeline = phone.get_by_test_id("timeline").inner_text()
    assert all(w in timeline for w in words), timeline
    return timeline


def test_broadband_renewal_journey(phone, web_server, celery_worker_process, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    sign_up(phone, base)
    phone.goto(f"{base}/broadband/renew/")
    phone.get_by_test_id("renew-query").fill("BB1800007")
    phone.get_by_test_id("renew-lookup").click()
    assert "180****0001" in phone.get_by_test_id("code-form").inner_text()
    phone.fill("input[name=code]", _code_sent_to("18000000001"))
    phone.get_by_test_id("verify-code").click()
    phone.wait_for_url(f"{base}/broadband/renew/BB1800007/")
    assert "千兆宽带" in phone.get_by_test_id("broadband-account").inner_text()
    options = phone.get_by_test_id("renewal-option")
    assert options.count() == 2
    new_end = re.findall(r"\d{4}-\d{2}-\d{2}", options.first.inner_text())[-1]
    phone.screenshot(path=str(artifacts / "broadband-renewal.png"), full_page=True)
    # the renewal cards' dates stay whole at 390 px ("2026-12-" / "13" was the walkthrough's finding)
    assert phone.locator("time").count() >= 3
    assert (
        phone.evaluate("[...document.querySelectorAll('time')].filter(t => t.getClientRects().length > 1).length") == 0
    )
    options.first.get_by_test_id("choose-renewal").click()
    _pay_and_wait_for(phone, ["已收到付款", f"宽带已续约至 {new_end}"])
    assert new_end in phone.get_by_test_id("renewed-until").inner_text()


def test_deposit_for_credit_journey(phone, web_server, celery_worker_process, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    with schema_context("c_alpha"):
        number = SimSubscriber.objects.filter(note="正常用户").values_list("number", flat=True).first()
        before = SimSubscriber.objects.get(number=number).balance
    sign_up(phone, base)
    phone.goto(f"{base}/deposit/")
    phone.get_by_test_id("deposit-offer").filter(has_text="存 300 送 360").click()
    phone.get_by_test_id("deposit-number").fill(number)
    phone.get_by_test_id("deposit-send").click()
    phone.get_by_test_id("code-form").wait_for()  # the send (post, then redirect) has finished
    phone.reload()  # the code step survives a reload, with the wait before sending again
    resend = phone.get_by_test_id("resend-code")
    assert resend.is_disabled() and "秒" in resend.inner_text()
    phone.screenshot(path=str(artifacts / "code-step.png"), full_page=True)
    phone.fill("input[name=code]", _code_sent_to(number))
    phone.get_by_test_id("verify-code").click()
    phone.get_by_test_id("deposit-place").click()
    _pay_and_wait_for(phone, ["已收到付款", "预存款 ¥300 已存入您的号码"])
    progress = phone.get_by_test_id("payout-progress").inner_text()
    assert re.match(r"已返还 1/24 期，下期 ¥15 将于 \d{4}-\d{2}-\d{2} 到账", progress), progress
    phone.screenshot(path=str(artifacts / "deposit-for-credit.png"), full_page=True)
    with schema_context("c_alpha"):
        assert SimSubscriber.objects.get(number=number).balance == before + 300 + 15
