"""The order state machine: every allowed transition works and is logged, every other raises."""

import itertools

import pytest

from orders.events import Action
from orders.models import Order, OrderEvent, OrderStatus
from orders.states import TRANSITIONS, IllegalTransition, transition
from tests.support.orders import subscriber

ALL = list(OrderStatus.values)


def _order(user, status, n):
    return Order.objects.create(
        number=f"T{n:08d}", user=user, kind="new_sim", status=status, idempotency_key=f"test:{n}"
    )


def test_every_transition_is_either_allowed_and_logged_or_refused(in_carrier_a):
    user = subscriber()
    assert set(TRANSITIONS) == set(ALL)
    allowed_count = 0
    for n, (before, after) in enumerate(itertools.product(ALL, ALL)):
        order = _order(user, before, n)
        if after in TRANSITIONS[before]:
            transition(order, after, Action.NOTE, actor=user, actor_label="staff", reason="table")
            order.refresh_from_db()
            event = OrderEvent.objects.get(order=order)
            assert (order.status, event.from_status, event.to_status, event.actor, event.reason) == (
                after,
                before,
                after,
                user,
                "table",
            )
            allowed_count += 1
        else:
            with pytest.raises(IllegalTransition):
                transition(order, after, Action.NOTE)
            order.refresh_from_db()
            assert order.status == before and not OrderEvent.objects.filter(order=order).exists()
    assert allowed_count == sum(len(v) for v in TRANSITIONS.values())


def test_terminal_states_have_no_way_out():
    for state in (OrderStatus.CANCELLED, OrderStatus.CLOSED_UNPAID, OrderStatus.REFUNDED):
        assert TRANSITIONS[state] == set()


def test_expect_guards_against_a_state_changed_meanwhile(in_carrier_a):
    order = _order(subscriber(), OrderStatus.PAID, 999)
    with pytest.raises(IllegalTransition):  # a closer that saw awaiting_payment must not act now
        transition(order, OrderStatus.NEEDS_ATTENTION, "flagged", expect={OrderStatus.AWAITING_PAYMENT})


def test_paid_transition_stamps_paid_at(in_carrier_a):
    order = transition(_order(subscriber(), OrderStatus.AWAITING_PAYMENT, 1000), OrderStatus.PAID, "paid")
    assert order.paid_at is not None
