"""Demo orders: a few of the demo subscriber's orders in different states, placed, paid and carried
on through the real services (cart, checkout, payment, fulfilment, real-name, refund), so the
staff workspace and the dashboard are not empty on the first run.

Run in the carrier's tenant context. The simulators answer at once while seeding (the carrier's
saved configuration is not changed); one parcel is sent slowly, so one order is still on its way."""

from __future__ import annotations

import contextlib
import io
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image

from catalog.models import Offer
from demo.simulators import DISTRICTS
from numberpool import holds
from numberpool.models import MobileNumber
from orders import fulfilment
from orders.aftersales.cancellation import cancel_paid
from orders.cart import services as carts
from orders.checkout import services as checkout
from orders.checkout.form import CheckoutDetails
from orders.fulfilment import verification as verifying
from orders.models import Cart, Order, Payment
from orders.payments import services as payments
from tenants.gateways import current_carrier
from tenants.simulators.models import SimPayment

QUICK = {"latency_ms": [0, 0], "error_rate": 0}
ADDRESS = {"recipient": "陈明", "address_detail": "人民路 385 号 1203 室"}
# (name, ID): valid IDs; 假 in a name is the simulated provider's "does not match the ID" case
PEOPLE = [("陈明", "11010519491231002X"), ("林晓", "440106199001011235"), ("黄假", "110105198001011238")]


def _portrait() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((320, 400), 64).convert("RGB").save(out, "PNG")
    return out.getvalue()


def _quick(slow_parcels: bool = False) -> None:
    carrier = current_carrier()
    carrier.gateways = {
        "bss": QUICK,
        "sms": QUICK,
        "payment": QUICK,
        "logistics": {**QUICK, "step_seconds": [1800, 5400] if slow_parcels else [0, 0]},
        "realname": {**QUICK, "decision_delay": [0, 0], "identity_check": False},
    }


def _pay(order: Order) -> Order:
    """As if the payer paid on the simulated cashier page and came back: the shop asks the gateway."""
    carrier = current_carrier()
    payments.start_payment(
        order,
        notify_url=carrier.public_url("/api/payments/notify/simulator/"),
        return_url=carrier.public_url(f"/orders/{order.number}/return/"),
    )
    pending = order.payments.get(status=Payment.Status.PENDING)
    SimPayment.objects.filter(out_trade_no=pending.out_trade_no).update(
        trade_no="T" + uuid.uuid4().hex[:16], status=SimPayment.Status.PAID, paid_at=timezone.now()
    )
    payments.sync_with_gateway(order)
    return Order.objects.get(pk=order.pk)


def _carry_on(order: Order) -> Order:
    with contextlib.suppress(fulfilment.Wait):  # a parcel on its way, or a card waiting for its portrait
        fulfilment.run(order.pk)
    return Order.objects.get(pk=order.pk)


def _sim_order(user, name: str, id_number: str, details: dict) -> Order:
    cart, _created = Cart.objects.get_or_create(user=user)
    number = (
        MobileNumber.objects.filter(status=MobileNumber.Status.AVAILABLE, price=0)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )
    holds.hold(number, carts.hold_owner(cart))
    carts.add_to_cart(cart, Offer.objects.filter(kind="sim").order_by("-sort_weight").first().pk, number=number)
    plan = checkout.plan_checkout(cart)
    return checkout.place_from_cart(
        user,
        cart,
        CheckoutDetails(
            holder_name=name,
            holder_id_number=id_number,
            accept_terms=True,
            agreements=tuple(n for n, _shown in plan.sims),
            **details,
        ),  # ticked, as on the page
        token=uuid.uuid4().hex,
        expected_total=plan.payable,
    )


def _verify(order: Order) -> None:
    verification = verifying.submit(Order.objects.get(pk=order.pk).verification, _portrait(), {"method": "camera"})
    verifying.send_to_provider(verification.pk)
    verifying.poll(verification.pk)


def seed_orders(subscriber_number: str, province: str, city: str) -> int:
    """Idempotent: nothing is placed if the subscriber has orders already. Returns orders placed."""
    user = get_user_model().objects.get(username=subscriber_number)
    if Order.objects.filter(user=user).exists():
        return 0
    municipality = province in ("北京", "上海", "天津", "重庆")
    details = {
        **ADDRESS,
        "contact_phone": subscriber_number,
        "province": f"{province}{'市' if municipality else '省'}",
        "city": f"{city}市",
        "district": DISTRICTS.get(city, ("市辖区",))[0],
    }  # a district of that city
    saved = dict(current_carrier().gateways)
    try:
        _quick()
        activated = _carry_on(_pay(_sim_order(user, *PEOPLE[0], details)))  # delivered, verified, active
        _verify(activated)
        _carry_on(activated)
        _carry_on(_pay(_sim_order(user, *PEOPLE[1], details)))  # delivered: waiting for the portrait
        mismatch = _carry_on(_pay(_sim_order(user, *PEOPLE[2], details)))  # the name does not match the ID
        _verify(mismatch)
        _carry_on(_pay(checkout.place_top_up(user, subscriber_number, Decimal("50"), token="demo-top-up")))
        # paid, then cancelled before it shipped: the money goes back, the number returns to the pool
        refunded = cancel_paid(
            _pay(_sim_order(user, *PEOPLE[1], details)), actor_label="subscriber", reason="演示：用户发货前取消"
        )
        refund = refunded.payments.get().refunds.get()
        payments.submit_refund(refund.pk)
        payments.complete_refund(refund.out_refund_no)
        _quick(slow_parcels=True)
        _carry_on(_pay(_sim_order(user, *PEOPLE[0], details)))  # shipped, on its way for an hour or so
    finally:
        current_carrier().gateways = saved
    return Order.objects.filter(user=user).count()
