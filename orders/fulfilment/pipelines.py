"""The fulfilment pipeline of every order kind, in one readable place.

A step has what it does, how to undo it (if it can be undone), and whether the money can still
simply go back after it (not once a parcel has left)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orders.events import Action
from orders.fulfilment import steps
from orders.models import OrderKind as K
from orders.models import OrderStatus as S


@dataclass(frozen=True)
class Step:
    name: str
    perform: Callable
    undo: Callable | None = None
    refundable_after: bool = True  # a permanent failure later still refunds automatically
    # The state the order moves to before the step runs (shipped: a cancellation is a return from
    # then on), and its event: written with the previous step's done mark, under the same lock
    # (the step claims it itself when it comes first).
    claims: tuple[str, Action] | None = None


SHIP = [
    Step("ship", steps.ship, refundable_after=False, claims=(S.SHIPPED, Action.SHIPPING)),
    Step("await_delivery", steps.await_delivery),
]

PIPELINES: dict[str, list[Step]] = {
    # payment confirmed → occupy number → open account → write card and ship → delivered →
    # [real-name passed] → activate (with the SIM's first top-up) → completed
    K.NEW_SIM: [
        Step("occupy_number", steps.occupy_numbers, steps.release_numbers),
        Step("open_account", steps.open_accounts, steps.release_numbers),
        *SHIP,
        Step("await_verification", steps.await_verification),
        Step("activate", steps.activate),
    ],
    K.DEVICE: SHIP,
    K.BROADBAND_INSTALL: SHIP,  # the router and the installer's appointment travel together
    K.ADDON: [Step("apply_addons", steps.apply_addons)],
    K.BROADBAND_RENEWAL: [Step("renew_broadband", steps.renew_broadband)],
    K.DEPOSIT_CREDIT: [
        Step("join_offer", steps.join_offer),
        Step("credit_deposit", steps.credit_deposit),
        Step("schedule_payouts", steps.schedule_payouts),
    ],
    K.TOP_UP: [Step("credit_top_up", steps.credit_top_up)],
    K.PLAN_CHANGE: [Step("change_plan", steps.change_plan)],
}
