"""Fulfilment pipelines: every kind's happy path, transient failures retried, permanent ones
compensated, cancellation before shipment (also racing a running step), the sweeper, staff
actions on the needs-attention queue."""

import contextlib
import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import OfferVariant
from numberpool.models import MobileNumber
from orders import fulfilment
from orders.aftersales import staff
from orders.aftersales.cancellation import cancel_paid
from orders.cart import services as carts
from orders.checkout import services as checkout
from orders.fulfilment import steps
from orders.models import Cart, FulfilmentStep, Order
from realname.registry.models import NumberClaim
from subscribers import bindings
from subscribers.models import BoundNumber
from tenants.simulators.models import SimShipment, SimSms, SimSubscriber
from tests.support.orders import DETAILS, QUICK, paid, place_agreed, place_sim_order, subscriber, verify
from tests.support.telecom import MAIN


@contextlib.contextmanager
def opening_accounts_by(perform):
    """The new SIM pipeline with its account-opening step done by `perform`, for one test."""
    pipeline = fulfilment.PIPELINES["new_sim"]
    index = next(i for i, s in enumerate(pipeline) if s.name == "open_account")
    original = pipeline[index]
    pipeline[index] = dataclasses.replace(original, perform=perform)
    try:
        yield
    finally:
        pipeline[index] = original


def actions(order):
    return list(order.events.values_list("action", flat=True))


def test_new_sim_from_payment_to_activation(quick):
    order, number = place_sim_order()
    order = paid(order)
    with pytest.raises(steps.Wait):  # delivered, but the holder has not verified yet
        fulfilment.run(order.pk)
    order.refresh_from_db()
    assert order.status == "delivered"
    assert SimSubscriber.objects.get(number=number).status == "opened"
    shipment = SimShipment.objects.get(key=f"{order.number}:ship")
    assert order.events.get(action="ship").data["tracking_no"] == shipment.tracking_no
    verify(order)
    assert fulfilment.run(order.pk) == "completed"
    assert SimSubscriber.objects.get(number=number).status == "active"
    assert NumberClaim.objects.get(number=number, carrier="alpha").status == "active"
    sim_line = order.lines.get(offer_kind="sim")
    credit = Decimal(str(sim_line.offer.attributes.get("prepaid_credit") or 0))
    assert SimSubscriber.objects.get(number=number).balance == credit  # the first top-up
    bound = BoundNumber.objects.get(number=number, unbound_at__isnull=True)
    assert bound.user_id == order.user_id and bound.proof == "purchase"  # on the buyer's 我的 at once
    expected = [
        "occupy_number",
        "open_account",
        "shipping",
        "ship",
        "parcel_picked_up",
        "parcel_in_transit",
        "parcel_out_for_delivery",
        "delivered",
        "verified",
        "activate",
        "completed",
    ]
    happened = [a for a in actions(order) if a in expected]
    assert happened == expected, happened
    texts = " ".join(SimSms.objects.filter(number=order.contact_phone).values_list("text", flat=True))
    assert "已发货" in texts and "已激活" in texts  # (the "paid" text goes on commit)
    assert fulfilment.run(order.pk) == "completed"  # a re-delivered task: nothing happens twice
    assert SimShipment.objects.filter(key__startswith=order.number).count() == 1
    steps_done = {s.step: s for s in order.steps.all()}
    assert all(s.status == "done" and s.duration_ms is not None for s in steps_done.values())


def test_device_and_add_on_orders(quick):
    user = subscriber()
    variant = OfferVariant.objects.filter(stock__gt=0).select_related("offer").first()
    cart = Cart.objects.create(user=user)
    carts.add_to_cart(cart, variant.offer_id, variant_id=variant.pk)
    device = paid(place_agreed(user, cart, DETAILS, token="d", expected_total=checkout.plan_checkout(cart).payable))
    assert fulfilment.run(device.pk) == "completed"
    assert {"ship", "delivered", "completed"} <= set(actions(device))

    from catalog.models import Offer

    addon = Offer.objects.filter(kind="addon", status="on_sale").first()
    cart = Cart.objects.create(user=subscriber())
    bindings.bind(cart.user, MAIN, BoundNumber.Proof.CODE)  # add-ons go on a number the buyer holds
    carts.add_to_cart(cart, addon.pk, quantity=2)
    details = DETAILS.__class__(**{**DETAILS.__dict__, "service_number": MAIN})
    order = paid(place_agreed(cart.user, cart, details, token="a", expected_total=checkout.plan_checkout(cart).payable))
    assert order.kind == "addon" and fulfilment.run(order.pk) == "completed"
    assert SimSubscriber.objects.get(number=MAIN).offers.count(addon.slug) == 2


def test_a_transient_failure_retries_and_the_step_then_runs_once(quick):
    order, number = place_sim_order()
    order = paid(order)
    quick.gateways = {**quick.gateways, "bss": {**QUICK, "error_rate": 1}}
    with pytest.raises(fulfilment.RetryLater):
        fulfilment.run(order.pk)
    quick.gateways = {**quick.gateways, "bss": QUICK}
    with pytest.raises(steps.Wait):
        fulfilment.run(order.pk)
    occupy = order.steps.get(step="occupy_number")
    assert occupy.status == "done" and occupy.attempts == 2


def test_a_permanent_refusal_before_shipping_undoes_and_refunds(quick):
    order, number = place_sim_order()
    order = paid(order)

    def refused(order, key):
        from tenants.gateways.bss import BssError

        raise BssError("plan retired", "refused")

    with opening_accounts_by(refused):
        assert fulfilment.run(order.pk) == "refunding"
    assert not SimSubscriber.objects.filter(number=number).exists()  # the occupation was undone
    assert MobileNumber.objects.get(number=number).status == "cooling"
    assert NumberClaim.objects.get(number=number, carrier="alpha").status == "released"
    assert {"step_failed", "compensated", "refund_requested"} <= set(actions(order))


def test_cancel_before_shipment_and_cancel_racing_a_running_step(quick, monkeypatch):
    order, number = place_sim_order()
    order = paid(order)
    original = steps.open_accounts

    def open_while_cancelled(order, key):  # the subscriber cancels while the account is being opened
        result = original(order, key)
        cancel_paid(Order.objects.get(pk=order.pk), reason="changed my mind")
        return result

    with opening_accounts_by(open_while_cancelled):
        assert fulfilment.run(order.pk) == "refunding"
    assert not SimSubscriber.objects.filter(number=number).exists()  # opened, then undone
    assert not SimShipment.objects.filter(key__startswith=order.number).exists()  # never shipped
    assert MobileNumber.objects.get(number=number).status == "cooling"
    shipped, _n = place_sim_order()
    shipped = paid(shipped)
    with pytest.raises(steps.Wait):
        fulfilment.run(shipped.pk)
    from orders.aftersales.closing import CancelRefused

    with pytest.raises(CancelRefused, match="退货|return") as refused:
        cancel_paid(Order.objects.get(pk=shipped.pk))
    assert refused.value.code == "shipped" and refused.value.status == 409


def test_the_sweeper_resends_orders_that_have_not_moved(quick, monkeypatch):
    from orders import tasks

    sent = []
    monkeypatch.setattr(tasks.run_fulfilment, "apply_async", lambda args, **kw: sent.append(args[0]))
    order, _number = place_sim_order()
    order = paid(order)
    assert fulfilment.sweep_stuck(timedelta(minutes=5)) == 0  # it just moved
    Order.objects.filter(pk=order.pk).update(status_changed_at=timezone.now() - timedelta(minutes=10))
    assert fulfilment.sweep_stuck(timedelta(minutes=5)) == 1 and sent == [order.pk]
    FulfilmentStep.objects.create(order=order, step="occupy_number")  # a step moved recently: not stuck
    assert fulfilment.sweep_stuck(timedelta(minutes=5)) == 0


def test_staff_retry_a_failed_step_or_compensate(quick, monkeypatch):
    from orders import tasks

    monkeypatch.setattr(tasks.run_fulfilment, "apply_async", lambda *a, **kw: None)
    order, number = place_sim_order()
    order = paid(order)
    quick.gateways = {**quick.gateways, "bss": {**QUICK, "permanent_error_rate": 1}}
    assert fulfilment.run(order.pk) == "refunding"  # failed at the first step: refunded at once
    order2, number2 = place_sim_order()
    order2 = paid(order2)
    quick.gateways = {**quick.gateways, "bss": QUICK}
    with pytest.raises(steps.Wait):
        fulfilment.run(order2.pk)  # shipped and delivered, waiting for verification
    quick.gateways = {**quick.gateways, "bss": {**QUICK, "permanent_error_rate": 1}}
    verify(order2)
    assert fulfilment.run(order2.pk) == "needs_attention"  # activation refused after shipping: staff decide
    assert not Order.objects.get(pk=order2.pk).payments.get().refunds.exists()
    quick.gateways = {**quick.gateways, "bss": QUICK}
    staff.act(Order.objects.get(pk=order2.pk), "retry", None, "BSS fixed")
    assert Order.objects.get(pk=order2.pk).status == "delivered"
    assert fulfilment.run(order2.pk) == "completed"
    assert SimSubscriber.objects.get(number=number2).status == "active"


def test_reconcile_reports_and_repairs_mismatches(quick):
    from orders.reconcile import reconcile
    from tenants.simulators.models import SimPayment

    order, number = place_sim_order()
    order = paid(order)
    with pytest.raises(steps.Wait):
        fulfilment.run(order.pk)  # occupied and opened at the BSS, shipped, waiting for verification
    assert reconcile(timedelta(days=1)) == []
    SimSubscriber.objects.filter(number=number).update(status="active")  # the carrier says active already
    unpaid, _n = place_sim_order()
    from tests.support.orders import start_sim_payment

    payment = start_sim_payment(unpaid)
    SimPayment.objects.filter(out_trade_no=payment.out_trade_no).update(status="paid", trade_no="X1")
    found = {str(m) for m in reconcile(timedelta(days=1))}
    assert any("is paid at the gateway" in m for m in found)
    assert any(f"number {number}: the carrier has it active, Hall expects opened" in m for m in found)
    fixed = reconcile(timedelta(days=1), fix=True)
    assert any(m.fixed for m in fixed)
    assert Order.objects.get(pk=unpaid.pk).status == "paid"
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reconcile_orders", "--carrier", "alpha", "--days", "1", "--lang", "en", stdout=out)
    assert "mismatches" in out.getvalue() and "\nalpha " in out.getvalue()
