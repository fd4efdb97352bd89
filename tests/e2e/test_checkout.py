"""The whole purchase in a real browser with a real worker: pick a number, check out, pay on the
simulated gateway's own page, and see the order paid with its timeline back in the shop; then the
gateway's signed notification reaches the shop over HTTP and changes nothing more."""

import re

import pytest
from django_tenants.utils import schema_context

from orders.models import Order, PaymentNotification
from tenants.simulators.models import SimNotification
from tests.support.browser import fill_checkout, sign_up, to_checkout
from tests.support.clients import wait_until
from tests.support.identities import portrait_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_a_wrong_name_is_refused_at_checkout_and_after_shipping_offers_a_correction(
    phone, web_server, celery_worker_process, artifacts, tmp_path
):
    """二要素 before the order; where the provider has none, the mismatch found after shipping
    texts the subscriber, queues the order for staff, and the page (following the order by
    itself) offers a correction of the name and ID, never another photo."""
    from tenants.models import Carrier
    from tenants.simulators.models import SimSms

    base = f"http://alpha.localhost:{web_server}"
    mobile = sign_up(phone, base)
    to_checkout(phone, base)
    typed_id = fill_checkout(phone, mobile, name="李假")
    phone.get_by_test_id("place-order").click()
    error = phone.get_by_test_id("error-holder_name")
    assert "不一致" in error.inner_text()
    assert phone.input_value("input[name=holder_id_number]") == typed_id  # kept as typed
    phone.screenshot(path=str(artifacts / "checkout-identity-mismatch.png"), full_page=True)

    saved = dict(Carrier.objects.get(slug="alpha").gateways)
    _set_gateways({**saved, "realname": {**saved.get("realname", {}), "identity_check": False}})
    try:
        phone.get_by_test_id("place-order").click()  # this provider cannot check first: accepted
        phone.wait_for_url(re.compile(r"/sim/pay/"))
        phone.get_by_test_id("sim-pay").click()
        phone.wait_for_url(re.compile(r"/orders/\d+/$"))
        portrait = tmp_path / "portrait.png"
        portrait.write_bytes(portrait_png())
        phone.get_by_test_id("portrait").set_input_files(str(portrait))
        phone.get_by_test_id("submit-verification").click()
        phone.wait_for_url(re.compile(r"/orders/\d+/$"))
        # no reload: the live page swaps the verification section in when the decision arrives
        phone.get_by_test_id("correct-identity").wait_for(timeout=60_000)
        assert phone.get_by_test_id("submit-verification").count() == 0
        assert "不一致" in phone.get_by_test_id("verification-reason").inner_text()
        assert phone.get_by_test_id("cancel-unverified").count() == 1
        order_number = phone.get_by_test_id("order-number").inner_text()
        with schema_context("c_alpha"):
            assert SimSms.objects.filter(number=mobile, text__contains="更正").exists()
            assert Order.objects.get(number=order_number).status == "needs_attention"
        phone.screenshot(path=str(artifacts / "order-identity-correction.png"), full_page=True)
        _set_gateways(saved)
        phone.fill("input[name=holder_name]", "李四")
        phone.fill("input[name=holder_id_number]", typed_id.upper())
        with phone.expect_navigation():
            phone.get_by_test_id("submit-identity").click()
        phone.get_by_test_id("submit-verification").wait_for()
        assert phone.get_by_test_id("verification-status").inner_text() == "待上传人像"
        with schema_context("c_alpha"):
            assert Order.objects.get(number=order_number).status != "needs_attention"
    finally:
        _set_gateways(saved)


def _set_gateways(gateways: dict) -> None:
    """Committed for the server and the worker to see: a thread has its own connection, outside
    this test's transaction."""
    import threading

    from django.db import connection

    from tenants.models import Carrier

    def write():
        Carrier.objects.filter(slug="alpha").update(gateways=gateways)
        connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()


def test_pick_number_checkout_pay_and_see_the_order_paid(phone, web_server, celery_worker_process, artifacts, tmp_path):
    base = f"http://alpha.localhost:{web_server}"
    mobile = sign_up(phone, base)

    number = to_checkout(phone, base)
    assert "实名登记" in phone.locator("main").inner_text()
    fill_checkout(phone, mobile)
    total = phone.get_by_test_id("checkout-total").inner_text()
    phone.screenshot(path=str(artifacts / "checkout.png"), full_page=True)
    phone.get_by_test_id("place-order").click()

    phone.wait_for_url(re.compile(r"/sim/pay/"))  # the gateway's own page
    assert phone.get_by_test_id("sim-amount").inner_text() == total
    phone.get_by_test_id("sim-fail").click()  # a declined card first: still payable
    assert "支付失败" in phone.get_by_test_id("sim-error").inner_text()
    phone.get_by_test_id("sim-pay").click()

    phone.wait_for_url(re.compile(r"/orders/\d+/$"))
    # paid; the worker may already have taken it further
    assert phone.get_by_test_id("order-status").inner_text() in {"已支付", "处理中", "已发货", "已签收"}
    timeline = phone.get_by_test_id("timeline").inner_text()
    assert "订单已提交" in timeline and "已收到付款" in timeline and "号码已为您锁定" in timeline
    phone.screenshot(path=str(artifacts / "order-paid.png"), full_page=True)
    order_number = phone.get_by_test_id("order-number").inner_text()

    # ship first, verify later: the portrait goes from the order page to the provider via the worker
    assert phone.get_by_test_id("verification-status").inner_text() == "待上传人像"
    portrait = tmp_path / "portrait.png"
    portrait.write_bytes(portrait_png())
    phone.get_by_test_id("portrait").set_input_files(str(portrait))
    phone.get_by_test_id("submit-verification").click()
    phone.wait_for_url(re.compile(r"/orders/\d+/$"))

    def verified():
        phone.reload()
        return phone.get_by_test_id("verification-status").inner_text() == "已通过"

    wait_until(verified, timeout=60, interval=1, what="the real-name check")
    # From here the page follows the order by itself (no reload): shipped, delivered, activated.
    timeline = phone.get_by_test_id("timeline")
    for words in ("已发货", "已签收", "已激活"):
        timeline.filter(has_text=words).wait_for(timeout=60_000)
    phone.get_by_test_id("order-status").filter(has_text="已完成").wait_for(timeout=30_000)
    assert "实名核验已通过" in timeline.inner_text()
    phone.screenshot(path=str(artifacts / "order-activated.png"), full_page=True)

    with schema_context("c_alpha"):
        order = Order.objects.get(number=order_number)
        assert order.lines.filter(number=number).exists() and order.status == "completed"
        payment = order.payments.get()

        def delivered():  # the worker posts both notifications (failed, paid) and gets "success"
            return (
                SimNotification.objects.filter(
                    payment__out_trade_no=payment.out_trade_no, acknowledged_at__isnull=False
                ).count()
                == 2
            )

        wait_until(delivered, timeout=60, what="the gateway's notifications")
        outcomes = set(
            PaymentNotification.objects.filter(out_trade_no=payment.out_trade_no).values_list("outcome", flat=True)
        )
        assert outcomes <= {"ignored: already paid", "ignored: out of date", "duplicate", "applied"}
        assert order.events.filter(action="paid").count() == 1
        assert order.payments.get().confirmed_by == "query"  # we were back before the notification
