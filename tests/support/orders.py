"""Helpers for the order tests: subscribers, carts with a held number, placed orders, signed
notifications from the payment simulator."""

import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import Offer
from numberpool import holds
from numberpool.models import MobileNumber
from orders.cart import services as carts
from orders.checkout import services as checkout
from orders.checkout.form import CheckoutDetails
from orders.models import Cart
from tenants import ports

PASSWORD = "Shopper-pass-2026"
# Real-looking test identities: valid GB 11643 check characters.
ID_NUMBER = "11010519491231002X"
NAME = "张三"
DETAILS = CheckoutDetails(
    holder_name=NAME,
    holder_id_number=ID_NUMBER,
    recipient="张三",
    contact_phone="13800138000",
    province="广东省",
    city="广州市",
    district="天河区",
    address_detail="天河路 100 号 5 楼",
    accept_terms=True,
)


def fresh_id() -> str:
    """A valid ID number of its own, for data a test commits: the registry's five numbers per ID
    count across tests, so committed orders must not all share one ID."""
    import random

    from realname.idcard import check_character

    first17 = (
        f"110105{random.randrange(1960, 2000)}{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}"
        f"{random.randrange(100, 999)}"
    )
    return first17 + check_character(first17)


def subscriber(username=None):
    return get_user_model().objects.create_user(username or f"u{uuid.uuid4().hex[:10]}", password=PASSWORD)


def free_number(**filters) -> str:
    return MobileNumber.objects.filter(status="available", **filters).order_by("?").values_list("number", flat=True)[0]


def sim_cart(user, number=None, offer_slug="sim-1"):
    cart, _created = Cart.objects.get_or_create(user=user)
    number = number or free_number()
    holds.hold(number, carts.hold_owner(cart))
    carts.add_to_cart(cart, Offer.objects.get(slug=offer_slug).pk, number=number)
    return cart, number


def agreed(details: CheckoutDetails, cart) -> CheckoutDetails:
    """The details with the SIM agreements ticked for every SIM in the cart, as the page asks."""
    import dataclasses

    return dataclasses.replace(details, agreements=tuple(n for n, _shown in checkout.plan_checkout(cart).sims))


def place_agreed(user, cart, details: CheckoutDetails, **kwargs):
    """checkout.place_from_cart by a subscriber who ticked the agreements."""
    return checkout.place_from_cart(user, cart, agreed(details, cart), **kwargs)


def place_sim_order(user=None, details: CheckoutDetails = DETAILS, **kwargs):
    user = user or subscriber()
    cart, number = sim_cart(user, **kwargs)
    plan = checkout.plan_checkout(cart)
    order = place_agreed(user, cart, details, token=uuid.uuid4().hex, expected_total=plan.payable)
    return order, number


def start_sim_payment(order):
    from orders.payments.services import start_payment

    start_payment(
        order,
        notify_url="http://alpha.localhost/api/payments/notify/simulator/",
        return_url=f"http://alpha.localhost/orders/{order.number}/return/",
    )
    return order.payments.get(status="pending")


def signed_notification(payment, event="paid", **extra):
    """What the simulator would post for `payment` (its SimPayment must exist)."""
    from tenants.simulators.models import SimPayment
    from tenants.simulators.payment import notify

    sim = SimPayment.objects.get(out_trade_no=payment.out_trade_no)
    if event == "paid" and not sim.trade_no:  # as if the payer paid on the cashier page
        sim.trade_no, sim.status, sim.paid_at = "T" + uuid.uuid4().hex[:16], "paid", timezone.now()
        sim.save(update_fields=["trade_no", "status", "paid_at"])
    return dict(notify(sim, event, ports.payment(), **extra).fields)


QUICK = {"latency_ms": [0, 0]}


def quick_gateways(carrier) -> None:
    """Every simulator answers at once and parcels arrive at once (for synchronous tests)."""
    carrier.gateways = {
        "bss": QUICK,
        "sms": QUICK,
        "payment": QUICK,
        "logistics": {**QUICK, "step_seconds": [0, 0]},
        "realname": {**QUICK, "decision_delay": [0, 0]},
    }


def paid(order):
    from orders.models import Order
    from orders.payments.services import confirm_paid

    start_sim_payment(order)
    confirm_paid(order.payments.get().pk, "T" + uuid.uuid4().hex[:8], "query")
    return Order.objects.get(pk=order.pk)


def verify(order):
    from orders.fulfilment import verification as verifying
    from orders.models import Order
    from tests.support.identities import portrait_png

    verification = verifying.submit(Order.objects.get(pk=order.pk).verification, portrait_png(), {"method": "camera"})
    verifying.send_to_provider(verification.pk)
    assert verifying.poll(verification.pk) == "passed"
