"""What each fulfilment step does at the carrier's systems, and how to undo it. A step's
`perform(order, key)` returns its result (kept on the step and in the timeline) or raises a
gateway error, or `Wait` when it depends on something that has not happened yet (a parcel on
its way, a verification under way). Every call carries a key built from the order and the step."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from core.errors import HallError
from core.phone import mask_phone
from orders import notify
from orders.events import Action, record_all
from orders.models import Order, OrderLine, Verification
from orders.models import OrderStatus as S
from orders.payments import payouts
from orders.selectors import new_numbers
from orders.states import transition
from realname.registry import services as registry
from subscribers import bindings
from subscribers.models import BoundNumber
from tenants import ports
from tenants.gateways import current_carrier


class NotVerified(HallError):
    """Activation asked for before real-name verification passed (a bug or a race, never a choice)."""


class Wait(Exception):
    """Not yet: run the step again in `seconds`."""

    def __init__(self, seconds: float, why: str):
        self.seconds, self.why = seconds, why
        super().__init__(why)


@dataclass(frozen=True)
class Moves:
    """A step's result when its success also moves the order on (a parcel delivered): the runner
    writes the move with the step's done mark, in one transaction under the one lock of the step."""

    result: dict
    to: str
    action: Action
    data: dict = field(default_factory=dict)
    expect: frozenset[str] = frozenset()


# The order's lines are read through `order.lines.all()` (never a fresh query of the manager), so
# that a fulfilment run, which prefetches them with their offers, reads them once for every step.
def _lines(order: Order, **match) -> list[OrderLine]:
    return [line for line in order.lines.all() if all(getattr(line, k) == v for k, v in match.items())]


def _terms(order: Order) -> dict:
    lines = _lines(order)
    return lines[0].terms if lines else {}


# -- telecom steps -------------------------------------------------------------------------------
def renew_broadband(order: Order, key: str):
    terms = _terms(order)
    expires = ports.bss().renew_broadband(account=terms["account"], option=terms["option"], key=key)
    notify.send(order, "renewed", account=terms["account"], expires_on=expires.isoformat())
    return {"expires_on": expires.isoformat(), "account": terms["account"]}


def join_offer(order: Order, key: str):
    ports.bss().join_offer(number=order.service_number, offer=_terms(order)["offer"], key=key)
    lines = _lines(order)
    notify.send(order, "deposit_joined", number=mask_phone(order.service_number), offer=lines[0].name if lines else "")
    return {}


def credit_deposit(order: Order, key: str):
    terms = _terms(order)
    if terms.get("return_deposit_monthly"):
        return {"credited": "0"}  # it comes back with the monthly payouts instead
    balance = ports.bss().credit_balance(
        number=order.service_number, amount=Decimal(terms["deposit"]), reason=f"deposit {order.number}", key=key
    )
    return {"credited": terms["deposit"], "balance": str(balance)}


def schedule_payouts(order: Order, key: str):
    start = timezone.localdate(order.paid_at) if order.paid_at else timezone.localdate()
    made = payouts.schedule(order, _terms(order), start)
    payouts.credit_due(order=order)  # the first month is due at once
    return {"payouts": made, "first_due": start.isoformat()}


def credit_top_up(order: Order, key: str):
    balance = ports.bss().top_up(number=order.service_number, amount=order.payable, key=key)
    notify.send(
        order, "topped_up", amount=_yuan(order.payable), number=mask_phone(order.service_number), balance=_yuan(balance)
    )
    return {"amount": str(order.payable), "balance": str(balance)}


def _yuan(value) -> str:
    """Money as people write it in a text: 50, 12.50."""
    value = Decimal(str(value))
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"


def apply_addons(order: Order, key: str):
    applied = []
    lines = order.lines.exclude(offer_kind__in=["number", "phone", "sim"]).exclude(offer=None).select_related("offer")
    for line in lines:
        slug = line.offer.slug if line.offer else ""
        for unit in range(line.quantity):
            ports.bss().apply_addon(number=order.service_number, addon=slug, key=f"{key}:{line.pk}:{unit}")
        applied.append(line.name)
    result: dict[str, object] = {"applied": applied}
    if credited := _credit_rewards(order, order.service_number, key):
        result["credited"] = credited
    return result


def _credit_rewards(order: Order, number: str, key: str) -> list[str]:
    """A promotion's 话费 credit, paid by the BSS onto the number once the order has done its work
    (keyed per line: a repeat credits nothing twice). Credit on the number, never cash."""
    credited = []
    for line in _lines(order, category=OrderLine.Category.GIFT, offer_kind="credit"):
        amount = Decimal(str(line.terms.get("credit") or 0))
        if amount > 0 and number:
            ports.bss().credit_balance(number=number, amount=amount, reason=line.name, key=f"{key}:reward:{line.pk}")
            credited.append(str(amount))
    return credited


# -- new SIM and goods ---------------------------------------------------------------------------
def occupy_numbers(order: Order, key: str):
    numbers = new_numbers(order)
    for number in numbers:
        ports.bss().occupy_number(number=number, key=f"{key}:{number}")
    return {"numbers": numbers}


def release_numbers(order: Order, key: str):
    for number in new_numbers(order):
        ports.bss().release_number(number=number, key=f"{key}:release:{number}")


def open_accounts(order: Order, key: str):
    sims = _lines(order, offer_kind="sim")
    sim = sims[0] if sims else None
    plan = (sim.offer.attributes.get("plan_name") if sim and sim.offer else "") or (sim.name if sim else "")
    accounts = {n: ports.bss().open_account(number=n, plan=plan, key=f"{key}:{n}") for n in new_numbers(order)}
    return {"accounts": accounts}


def ship(order: Order, key: str):
    """Claim the shipped state first: from here a cancellation is a return, never a race. (The
    runner claims it with the previous step's done mark; here when ship comes first.)"""
    if order.status == S.IN_FULFILMENT:
        transition(order, S.SHIPPED, Action.SHIPPING, expect={S.IN_FULFILMENT})
    items = [line.name for line in _lines(order, category=OrderLine.Category.GOODS)]
    shipment = ports.logistics().create_shipment(
        reference=order.number,
        recipient=order.recipient,
        phone=order.contact_phone,
        address=order.address_line,
        items=items,
        key=key,
    )
    iccids = {n: "8986" + "".join(secrets.choice("0123456789") for _ in range(15)) for n in new_numbers(order)}
    notify.send(order, "shipped", courier=shipment.courier, tracking_no=shipment.tracking_no)
    return {"courier": shipment.courier, "tracking_no": shipment.tracking_no, "iccids": iccids}


TRACKING_ACTIONS = {
    "picked_up": Action.PARCEL_PICKED_UP,
    "in_transit": Action.PARCEL_IN_TRANSIT,
    "out_for_delivery": Action.PARCEL_OUT_FOR_DELIVERY,
    "delivered": Action.DELIVERED,
}


def await_delivery(order: Order, key: str):
    shipped = order.steps.get(step="ship").result
    events = ports.logistics().track(shipped["tracking_no"])
    seen = set(order.events.filter(action__in=TRACKING_ACTIONS.values()).values_list("action", flat=True))
    news = [e for e in events if e.status != "delivered" and TRACKING_ACTIONS[e.status] not in seen]
    if news:
        record_all(order, [(TRACKING_ACTIONS[e.status], {"at": e.at.isoformat(), "where": e.where}) for e in news])
    delivered = next((e for e in events if e.status == "delivered"), None)
    if delivered is None:
        raise Wait(settings.HALL_TRACKING_POLL_SECONDS, "parcel on its way")
    result = {"delivered_at": delivered.at.isoformat()}
    if Action.DELIVERED in seen:  # moved already by a run of the code before `Moves`
        return result
    where = {"at": delivered.at.isoformat(), "where": delivered.where}
    return Moves(result, S.DELIVERED, Action.DELIVERED, where, frozenset({S.SHIPPED}))


def _verified(order: Order) -> bool:
    return Verification.objects.filter(order=order, status=Verification.Status.PASSED).exists()


def await_verification(order: Order, key: str):
    if not _verified(order):
        # Passing re-enqueues the order at once; this wait is only the safety net.
        raise Wait(3600, "real-name verification not passed yet")
    return {}


def activate_sim(order: Order) -> None:
    """Switch the order's new numbers on at the BSS, never before real-name verification passed.
    Each number's key makes a repeat harmless."""
    if not _verified(order):
        raise NotVerified(f"order {order.number}: real-name verification has not passed")
    for number in new_numbers(order):
        ports.bss().activate(number=number, key=f"{order.number}:activate:{number}")
    carrier = current_carrier()
    registry.activate(carrier.slug, f"{carrier.slug}:{order.number}")


def activate(order: Order, key: str):
    activate_sim(order)
    numbers = new_numbers(order)
    result: dict[str, object] = {"numbers": numbers}
    for number in numbers:  # bought and activated here: the buyer's, on 我的 at once
        bindings.bind(order.user, number, BoundNumber.Proof.PURCHASE)
    credit = sum(
        (
            Decimal(str(line.offer.attributes.get("prepaid_credit") or 0))
            for line in _lines(order, offer_kind="sim")
            if line.offer
        ),
        Decimal("0"),
    )
    if credit > 0:  # the SIM offer's prepaid credit arrives as the first top-up
        for number in numbers:
            ports.bss().top_up(number=number, amount=credit, key=f"{key}:first-top-up:{number}")
        result["first_top_up"] = str(credit)
    if numbers:  # a promotion's rewards: credit after activation, a free add-on switched on
        if credited := _credit_rewards(order, numbers[0], key):
            result["credited"] = credited
        for line in _lines(order, category=OrderLine.Category.GIFT):
            if line.offer is not None and line.offer_kind != "credit":
                ports.bss().apply_addon(number=numbers[0], addon=line.offer.slug, key=f"{key}:gift:{line.pk}")
    notify.send(order, "activated")
    return result


def change_plan(order: Order, key: str) -> dict:
    """The plan change at the BSS (keyed: a repeat changes nothing), confirmed by a text."""
    line = order.lines.get()
    terms = line.terms
    starts = ports.bss().change_plan(
        number=order.service_number,
        plan=terms["plan"],
        plan_name=terms["plan_name"],
        plan_fee=Decimal(terms["plan_fee"]),
        effective=terms["effective"],
        key=key,
        allowances=terms.get("allowances") or None,
    )
    notify.send(
        order, "plan_changed", number=order.service_number, plan=terms["plan_name"], starts_on=starts.isoformat()
    )
    return {"plan": terms["plan_name"], "starts_on": starts.isoformat()}
