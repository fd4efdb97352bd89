"""Payment: signed notifications (replayed, out of order, tampered), the return page asking the
gateway, unpaid orders closing and giving their number back, refunds, staff actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from numberpool.models import MobileNumber
from orders.aftersales import closing
from orders.models import Order, PaymentNotification, Refund
from orders.payments import services as payments
from tenants import ports
from tenants.gateways.signing import HmacSigner, RsaSigner, signed
from tenants.simulators import payment as cashier
from tenants.simulators.models import SimPayment
from tests.support.clients import STAFF_PASSWORD, host_client, sign_in
from tests.support.orders import PASSWORD, place_sim_order, signed_notification, start_sim_payment

NOTIFY = "/api/payments/notify/simulator/"


@pytest.fixture
def awaiting(in_carrier_a):
    order, number = place_sim_order()
    return order, number, start_sim_payment(order)


def _post(fields):
    return host_client("alpha.localhost").post(NOTIFY, fields)


def test_a_signed_notification_pays_the_order_once_and_sells_the_number(awaiting):
    order, number, payment = awaiting
    fields = signed_notification(payment, "paid")
    response = _post(fields)
    assert response.status_code == 200 and response.content == b"success"
    order.refresh_from_db()
    assert order.status == "paid" and order.paid_at
    assert MobileNumber.objects.get(number=number).status == "sold"
    events = list(order.events.values_list("action", flat=True))
    assert events == ["placed", "paid", "number_sold"]
    replay = _post(fields)  # the same notification again: acknowledged, nothing changes
    assert replay.content == b"success"
    resent = _post(signed_notification(payment, "paid"))  # a new notify_id, same news
    assert resent.content == b"success"
    assert list(order.events.values_list("action", flat=True)) == events
    assert PaymentNotification.objects.filter(out_trade_no=payment.out_trade_no).count() == 2


@pytest.mark.parametrize("tamper", ["signature", "amount", "order", "unsigned"])
def test_bad_notifications_change_nothing(awaiting, tamper):
    order, number, payment = awaiting
    fields = signed_notification(payment, "paid")
    if tamper == "signature":
        fields["sign"] = fields["sign"][:-2] + "00"
    elif tamper == "amount":  # correctly signed, wrong amount: only someone with the key could do it
        fields = signed({**fields, "total_amount": "0.01"}, ports.payment().signer)
    elif tamper == "order":
        fields = signed({**fields, "out_trade_no": "NOPE"}, ports.payment().signer)
    else:
        fields.pop("sign")
    response = _post(fields)
    assert response.status_code == 400 and response.content.startswith(b"fail")
    order.refresh_from_db()
    assert order.status == "awaiting_payment" and MobileNumber.objects.get(number=number).status == "held"
    # Signed but inconsistent: kept for the operator; unverified: nothing stored (only counted).
    stored = 1 if tamper in ("amount", "order") else 0
    assert PaymentNotification.objects.filter(outcome__startswith="rejected").count() == stored


def test_an_old_failure_arriving_after_the_success_is_ignored(awaiting):
    order, _number, payment = awaiting
    failed = signed_notification(payment, "failed")
    assert _post(signed_notification(payment, "paid")).content == b"success"
    assert _post(failed).content == b"success"
    order.refresh_from_db()
    assert order.status == "paid" and "payment_failed" not in order.events.values_list("action", flat=True)


def test_a_failure_before_payment_shows_on_the_timeline(awaiting):
    order, _number, payment = awaiting
    assert _post(signed_notification(payment, "failed")).content == b"success"
    order.refresh_from_db()
    assert order.status == "awaiting_payment" and order.events.filter(action="payment_failed").exists()


def test_back_from_the_gateway_before_the_notification_shows_paid(awaiting):
    order, _number, payment = awaiting
    sim = SimPayment.objects.get(out_trade_no=payment.out_trade_no)
    cashier.pay(sim.token, ports.payment())
    client = host_client("alpha.localhost")
    assert client.post("/me/login/", {"username": order.user.username, "password": PASSWORD}).status_code == 302
    page = client.get(f"/orders/{order.number}/return/", follow=True).content.decode()
    order.refresh_from_db()
    assert order.status == "paid" and order.payments.get().confirmed_by == "query"
    assert "已支付" in page and "已收到付款" in page
    # the notification arrives later: acknowledged, no second "paid"
    assert _post(signed_notification(payment, "paid")).content == b"success"
    assert order.events.filter(action="paid").count() == 1


def test_unpaid_orders_close_release_the_number_and_close_the_gateway_payment(awaiting, settings):
    settings.HALL_NUMBER_COOLOFF_MINUTES = 30
    order, number, payment = awaiting
    assert closing.close_overdue() == {}  # not due yet
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert closing.close_overdue() == {"closed": 1}
    order.refresh_from_db()
    assert order.status == "closed_unpaid"
    assert list(order.events.values_list("action", flat=True)) == ["placed", "closed_unpaid", "number_released"]
    released = MobileNumber.objects.get(number=number)
    assert released.status == "cooling" and released.hold_owner == ""
    sim = SimPayment.objects.get(out_trade_no=payment.out_trade_no)
    assert sim.status == "closed"
    with pytest.raises(cashier.CashierError):
        cashier.pay(sim.token, ports.payment())
    MobileNumber.objects.filter(number=number).update(held_until=timezone.now() - timedelta(seconds=1))
    from numberpool import holds

    holds.sweep_expired()
    assert MobileNumber.objects.get(number=number).status == "available"  # back after the cool-off


def test_a_payment_made_at_the_last_second_wins_over_the_closer(awaiting):
    order, number, payment = awaiting
    sim = SimPayment.objects.get(out_trade_no=payment.out_trade_no)
    cashier.pay(sim.token, ports.payment())
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert closing.close_overdue() == {"kept": 1}
    order.refresh_from_db()
    assert order.status == "paid" and MobileNumber.objects.get(number=number).status == "sold"


def test_a_payment_after_the_order_closed_is_refunded(awaiting):
    order, _number, payment = awaiting
    fields = signed_notification(payment, "paid")  # paid at the gateway; the news is late
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    SimPayment.objects.filter(out_trade_no=payment.out_trade_no).update(status="pending")
    payments.Payment.objects.filter(pk=payment.pk).update(status="closed")
    closing.close_unpaid(order.pk)
    order.refresh_from_db()
    assert order.status == "closed_unpaid"
    assert _post(fields).content == b"success"
    order.refresh_from_db()
    assert order.status == "closed_unpaid" and order.events.filter(action="late_payment_refunded").exists()
    assert Refund.objects.filter(payment=payment, amount=payment.amount).exists()


def test_subscriber_cancels_before_paying(awaiting):
    order, number, _payment = awaiting
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": order.user.username, "password": PASSWORD})
    asked = client.post(f"/orders/{order.number}/cancel/")  # the button first asks
    assert asked.status_code == 200 and 'data-testid="cancel-confirm"' in asked.content.decode()
    order.refresh_from_db()
    assert order.status == "awaiting_payment"
    client.post(f"/orders/{order.number}/cancel/", {"confirm": "yes"})
    order.refresh_from_db()
    assert order.status == "cancelled" and MobileNumber.objects.get(number=number).hold_owner == ""
    again = client.post(f"/orders/{order.number}/cancel/", {"confirm": "yes"}, follow=True)
    assert again.status_code == 200  # says why, no 500
    assert _post(signed_notification(order.payments.get(), "paid")).content == b"success"
    assert order.events.filter(action="late_payment_refunded").exists()


def test_refund_goes_through_refunding_to_refunded(awaiting):
    order, number, payment = awaiting
    _post(signed_notification(payment, "paid"))
    order.refresh_from_db()
    refund = payments.request_refund(order, actor_label="staff", reason="customer asked")
    assert Order.objects.get(pk=order.pk).status == "refunding"
    assert payments.submit_refund(refund.pk) == "submitted"
    assert payments.submit_refund(refund.pk) == "submitted"  # idempotent at the gateway
    assert SimPayment.objects.get(out_trade_no=payment.out_trade_no).refunded == payment.amount
    news = signed_notification(
        payment, "refunded", out_refund_no=refund.out_refund_no, refund_amount=f"{refund.amount:.2f}"
    )
    assert _post(news).content == b"success"
    order.refresh_from_db()
    # a sold number is never put back on sale by a refund: after-sales decides what becomes of it
    assert order.status == "refunded" and MobileNumber.objects.get(number=number).status == "sold"
    with pytest.raises(payments.PaymentError):
        payments.request_refund(order, reason="again")  # one full refund per order


def test_a_second_refund_or_a_flag_during_a_refund_is_refused(awaiting):
    from orders.aftersales import staff

    order, _number, payment = awaiting
    _post(signed_notification(payment, "paid"))
    order.refresh_from_db()
    payments.request_refund(order, reason="asked")
    order.refresh_from_db()
    assert [code for code, _label in staff.available(order)] == ["note"]
    with pytest.raises(staff.StaffActionError):
        staff.act(order, "flag", None, "while refunding")


def test_a_refund_the_gateway_refuses_goes_to_staff(awaiting):
    from orders.tasks import submit_refund

    order, _number, payment = awaiting
    _post(signed_notification(payment, "paid"))
    order.refresh_from_db()
    refund = payments.request_refund(order, reason="asked")
    SimPayment.objects.filter(out_trade_no=payment.out_trade_no).update(status="closed")  # cannot refund now
    assert submit_refund.apply(args=(refund.pk,)).get() == "failed"
    order.refresh_from_db()
    assert order.status == "needs_attention" and order.events.filter(action="refund_failed").exists()


def test_staff_act_through_the_state_machine_only(awaiting):
    order, _number, payment = awaiting
    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    page = staff.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert 'data-testid="order-actions"' in page and 'name="status"' not in page
    refused = staff.post(f"/admin/orders/order/{order.pk}/act/", {"action": "flag", "reason": "x"}, follow=True)
    assert "不可" in refused.content.decode() or "not possible" in refused.content.decode()
    staff.post(f"/admin/orders/order/{order.pk}/act/", {"action": "note", "reason": "called the customer"})
    _post(signed_notification(payment, "paid"))
    staff.post(f"/admin/orders/order/{order.pk}/act/", {"action": "flag", "reason": "address unclear"})
    order.refresh_from_db()
    assert order.status == "needs_attention"
    flagged = order.events.get(action="flagged")
    assert flagged.actor.username == "admin" and flagged.reason == "address unclear"
    assert not order.events.get(action="note").public
    listing = staff.get("/admin/orders/order/", {"status__exact": "needs_attention"}).content.decode()
    assert order.number in listing


def test_rsa_signatures_verify_and_reject_tampering():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    fields = signed({"out_trade_no": "A1", "total_amount": "9.90"}, RsaSigner(public, private))
    verifier = RsaSigner(public)
    assert verifier.verify(fields)
    assert not verifier.verify({**fields, "total_amount": "0.01"})
    assert not HmacSigner(b"k").verify(fields)  # a different scheme never verifies


def test_amount_in_the_gateway_is_the_orders(awaiting):
    _order, _number, payment = awaiting
    assert SimPayment.objects.get(out_trade_no=payment.out_trade_no).amount == payment.amount > Decimal("0")


def test_the_beat_task_closes_overdue_orders_in_every_carrier(awaiting):
    from orders.tasks import close_unpaid_in_carrier

    order, _number, _payment = awaiting
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert close_unpaid_in_carrier() == {"closed": 1}
    order.refresh_from_db()
    assert order.status == "closed_unpaid"


def test_the_payment_window_is_the_carriers(in_carrier_a):
    in_carrier_a.payment_window_minutes = 5
    in_carrier_a.save(update_fields=["payment_window_minutes"])
    order, _number = place_sim_order()
    assert timedelta(minutes=4) < order.payment_due_at - timezone.now() <= timedelta(minutes=5)


def test_a_gateway_that_fails_says_so_and_leaves_the_order_payable(awaiting, in_carrier_a):
    order, _number, _payment = awaiting
    in_carrier_a.gateways = {"payment": {"adapter": "simulator", "error_rate": 1, "latency_ms": [0, 0]}}
    in_carrier_a.save(update_fields=["gateways"])
    with pytest.raises(payments.PaymentError, match="繁忙|busy"):
        payments.start_payment(order, notify_url="http://alpha.localhost/n/", return_url="http://alpha.localhost/r/")
    order.refresh_from_db()
    assert order.status == "awaiting_payment"
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert closing.close_overdue() == {"kept": 1}  # cannot close the gateway's payment: try again later


def test_notifications_are_re_sent_until_acknowledged(awaiting):
    """The simulator posts over real HTTP; anything but "success" means: try again later."""
    import http.server
    import threading

    from tenants.simulators import delivery
    from tenants.simulators.models import SimNotification

    answers = iter(["busy", "success"])
    received = []

    class Merchant(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append((self.headers["Host"], self.rfile.read(int(self.headers["Content-Length"]))))
            body = next(answers).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Merchant)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _order, _number, payment = awaiting
        SimPayment.objects.filter(out_trade_no=payment.out_trade_no).update(
            notify_url=f"http://alpha.localhost:{server.server_port}/api/payments/notify/simulator/"
        )
        signed_notification(payment, "paid")
        notification = SimNotification.objects.get(payment__out_trade_no=payment.out_trade_no)
        assert delivery.deliver(notification.pk) == "retry"
        assert delivery.deliver(notification.pk) == "acknowledged"
        assert delivery.deliver(notification.pk) == "skipped"  # done: only a deliberate duplicate goes again
        notification.refresh_from_db()
        assert notification.attempts == 2 and notification.acknowledged_at
        assert received[0][0] == f"alpha.localhost:{server.server_port}" and b"sign=" in received[0][1]
    finally:
        server.shutdown()


def test_a_notification_signed_for_another_carrier_is_rejected(awaiting):
    order, _number, payment = awaiting
    fields = signed({**signed_notification(payment, "paid"), "app_id": "beta"}, ports.payment().signer)
    assert _post(fields).status_code == 400
    order.refresh_from_db()
    assert order.status == "awaiting_payment"


def test_an_order_whose_gateway_payment_never_registered_still_closes(in_carrier_a):
    order, number = place_sim_order()
    order.payments.create(adapter="simulator", amount=order.payable, out_trade_no=f"alpha-{order.number}P1")
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(seconds=1))
    assert closing.close_overdue() == {"closed": 1}
    assert MobileNumber.objects.get(number=number).hold_owner == ""


def test_sales_counts_move_with_paid_orders_only(awaiting):
    from catalog.models import Offer

    order, _number, payment = awaiting
    offer_id = order.lines.filter(category="goods").values_list("offer_id", flat=True).first()
    before = Offer.objects.get(pk=offer_id).sales_count
    assert _post(signed_notification(payment, "paid")).content == b"success"
    assert Offer.objects.get(pk=offer_id).sales_count == before + 1
    _post(signed_notification(payment, "paid"))  # a re-sent notification: counted once
    assert Offer.objects.get(pk=offer_id).sales_count == before + 1
    from orders.payments import services as payments

    refund = payments.request_refund(Order.objects.get(pk=order.pk), reason="test")
    payments.complete_refund(refund.out_refund_no)  # a refunded order is no sale
    assert Order.objects.get(pk=order.pk).status == "refunded"
    assert Offer.objects.get(pk=offer_id).sales_count == before
    payments.complete_refund(refund.out_refund_no)  # the gateway's repeat: taken back once
    assert Offer.objects.get(pk=offer_id).sales_count == before


@pytest.mark.parametrize(
    ("kind", "fits"),
    [("new_sim", "准备号卡"), ("broadband_renewal", "正在为您的账户办理"), ("top_up", "正在为您的账户办理")],
)
def test_texts_carry_one_signature_form_and_fit_the_order_kind(in_carrier_a, kind, fits):
    from orders import notify
    from tenants.simulators.models import SimSms

    order, _number = place_sim_order()
    order.kind = kind
    notify.send(order, "paid")
    text = SimSms.objects.filter(number=order.contact_phone).order_by("-pk").first().text
    assert text.startswith(f"【{in_carrier_a.name}】") and fits in text and "备货" not in text
