"""What follows a transition, in one readable table (as `fulfilment/pipelines.py` declares the
steps): for each state an order moves into, what runs in the transition's own transaction and what
runs once it has committed. `states.transition()` stays the only writer of status and runs them,
so payments need not know about fulfilment, texts or real-name deadlines.

Dotted paths: the table names what it wires without importing it (no circle through states)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

from django.db import transaction
from django.utils.module_loading import import_string

from orders.models import Order
from orders.models import OrderStatus as S


@dataclass(frozen=True)
class Reaction:
    path: str  # a function taking the order
    on_commit: bool = False  # after the transaction commits (a text, a task), not inside it
    why: str = ""


REACTIONS: dict[str, tuple[Reaction, ...]] = {
    S.PAID: (
        Reaction("orders.payments.services.count_sales", why="销量 counts paid orders"),
        Reaction("orders.payments.services.sell_numbers", why="a held number becomes the order's for good"),
        Reaction("orders.discounts.confirm", why="its coupons and budget reservations are redeemed"),
        Reaction("orders.fulfilment.verification.start_deadline", why="the clock for real-name verification starts"),
        Reaction("orders.fulfilment.enqueue", why="a worker carries the order on (sent on commit)"),
        Reaction("orders.notify.paid", on_commit=True, why="the subscriber is texted"),
    ),
    S.REFUNDED: (
        Reaction("orders.payments.services.uncount_sales", why="a refunded order is no sale"),
        Reaction("orders.discounts.release", why="its promotions give back budget, uses and coupons"),
    ),
}


@cache
def _function(path: str) -> Callable[[Order], None]:
    return import_string(path)


def follow(order: Order, to: str) -> None:
    """Called by states.transition() once the new state and its event are written."""
    for reaction in REACTIONS.get(to, ()):
        if reaction.on_commit:
            transaction.on_commit(partial(_function(reaction.path), order), robust=True)
        else:
            _function(reaction.path)(order)
