"""我的 in a real browser at 390 px: sign up with a code, bind a second number, see its balance and
data, open a bill and its itemised records (the binding code is the fresh second check), change
plan from next month, and top up the bound number without a code."""

import re

import pytest
from django_tenants.utils import schema_context

from tenants.simulators.models import SimSms
from tests.support.browser import sign_up
from tests.support.clients import in_own_connection
from tests.support.telecom import MAIN

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def _code_sent_to(number: str) -> str:
    with schema_context("c_alpha"):  # the subscriber's phone: the SMS simulator's outbox
        text = SimSms.objects.filter(number=number).order_by("-pk").first().text
    return re.search(r"\d{6}", text).group()


def _confirm_code(phone, number: str) -> None:
    phone.get_by_test_id("code-input").fill(_code_sent_to(number))
    phone.get_by_test_id("verify-code").click()


@pytest.fixture
def main_number_left_as_found():
    """This journey commits (the server is another process): afterwards the demo number has no codes
    waiting out their 60 s, no binding and no booked plan change, so later journeys start clean."""
    yield
    from subscribers.models import BoundNumber, NumberAuthCode
    from tenants.simulators.models import SimSubscriber

    def tidy() -> None:
        with schema_context("c_alpha"):
            NumberAuthCode.objects.filter(number=MAIN).delete()
            BoundNumber.objects.filter(number=MAIN).delete()
            SimSubscriber.objects.filter(number=MAIN).update(pending_plan={})

    in_own_connection(tidy)  # committed, like the rows the server wrote


def test_a_subscriber_serves_themselves_on_me(
    phone, web_server, celery_worker_process, artifacts, main_number_left_as_found
):
    base = f"http://alpha.localhost:{web_server}"
    sign_up(phone, base)  # with a code (tests/support/browser.py)
    phone.get_by_test_id("bind-first").click()
    phone.get_by_test_id("bind-number").fill(MAIN)
    phone.get_by_test_id("send-code").click()
    _confirm_code(phone, MAIN)
    phone.wait_for_url(f"{base}/me/")
    card = phone.get_by_test_id("number-card").first
    assert "180 0000 0001" in card.inner_text() and "¥" in phone.get_by_test_id("balance").first.inner_text()
    assert card.locator("meter").count() >= 1 and "剩余" in card.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways at phone width
    phone.screenshot(path=str(artifacts / "me.png"), full_page=True)

    card.get_by_test_id("card-bills").click()
    assert phone.get_by_test_id("bill").count() == 6
    phone.get_by_test_id("open-records").first.click()
    records = phone.get_by_test_id("records")  # the code that bound the number a moment ago is the second check
    records.wait_for()
    assert "****" in records.inner_text()
    phone.screenshot(path=str(artifacts / "records.png"), full_page=True)

    phone.goto(f"{base}/me/numbers/{MAIN}/plan/")
    choice = phone.get_by_test_id("plan-plan-2")
    choice.locator("input[value=next_month]").check()
    choice.get_by_test_id("accept-plan").check()
    choice.get_by_test_id("change-to-plan-2").click()
    phone.wait_for_url(re.compile(r"/orders/\d+/$"))
    assert "套餐变更" in phone.content()
    phone.screenshot(path=str(artifacts / "plan-change.png"), full_page=True)

    phone.goto(f"{base}/me/")
    phone.get_by_test_id("card-top-up").first.click()
    assert phone.get_by_test_id("top-up-number").input_value() == MAIN
    assert "¥" in phone.content() and 'data-testid="code-form"' not in phone.content()  # no code for a bound number
    phone.screenshot(path=str(artifacts / "top-up-bound.png"), full_page=True)
