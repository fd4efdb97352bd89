"""The definitions, in code (the staff dashboard shows these words):

- A session is one visitor's activity with gaps under 30 minutes.
- Bounce rate of a page = sessions that entered on that page and viewed nothing else ÷ sessions
  that entered on it.
- Exit rate of a page = sessions whose last view was that page ÷ views of that page.
- Funnels, one per way of buying (PATHS): a visitor counts at a step only after reaching the step
  before it, in that order. The number-selection path is 选号 (the number search) → hold → add the
  SIM to the cart → checkout → paid → activated; top-up, broadband renewal and deposit-for-credit
  start on their own pages; offers (phones, plans) start on an offer page. "Placed", "paid" and the
  last step come from the orders themselves (the visitor who placed them), not from captured events.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SESSION_GAP = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    name: str  # the event: "view" (of page_type) or a business event
    page_type: str = ""
    offer_kind: str = ""


@dataclass(frozen=True)
class Path:
    key: str
    label: str
    steps: tuple[Step, ...]
    order_kinds: frozenset[str]  # the orders that end this way of buying


# Events built from orders (aggregate.order_events), not captured: placed, paid, and the order's last
# step (the SIM activated, the top-up credited, the renewal applied, the deposit credited).
ORDER_EVENTS = ("order_placed", "paid", "done")
_placed = Step("order_placed", _("Placed an order"), "order_placed")
_paid = Step("paid", pgettext_lazy("funnel step", "Paid"), "paid")
PATHS: dict[str, Path] = {
    p.key: p
    for p in (
        Path(
            "number",
            _("Number selection"),
            (
                Step("numbers", _("Searched numbers"), "view", page_type="numbers"),
                Step("number_held", _("Held a number"), "view", page_type="number_held"),
                Step("add_to_cart", _("Added the SIM to the cart"), "add_to_cart", offer_kind="sim"),
                Step("checkout_started", _("Started checkout"), "checkout_started"),
                _paid,
                Step("done", _("Activated"), "done"),
            ),
            frozenset({"new_sim"}),
        ),
        Path(
            "top_up",
            _("Top-up"),
            (
                Step("top_up_page", _("Opened top-up"), "view", page_type="top_up"),
                _placed,
                _paid,
                Step("done", _("Credited"), "done"),
            ),
            frozenset({"top_up"}),
        ),
        Path(
            "renewal",
            _("Broadband renewal"),
            (
                Step("renew_page", _("Opened renewal"), "view", page_type="broadband"),
                Step("account", _("Confirmed the account"), "view", page_type="broadband_account"),
                _placed,
                _paid,
                Step("done", _("Renewed"), "done"),
            ),
            frozenset({"broadband_renewal"}),
        ),
        Path(
            "deposit",
            _("Deposit for credit"),
            (
                Step("deposit_offers", _("Viewed deposit offers"), "view", page_type="deposit"),
                Step("deposit_offer", _("Opened an offer"), "view", page_type="deposit_offer"),
                _placed,
                _paid,
                Step("done", _("Deposit credited"), "done"),
            ),
            frozenset({"deposit_credit"}),
        ),
        Path(
            "offer",
            _("Offers (phones, plans)"),
            (
                Step("view_offer", _("Viewed an offer"), "view", page_type="offer"),
                Step("add_to_cart", _("Added to cart"), "add_to_cart"),
                Step("checkout_started", _("Started checkout"), "checkout_started"),
                _placed,
                _paid,
                Step("done", _("Completed"), "done"),
            ),
            frozenset({"new_sim", "addon", "device", "broadband_install"}),
        ),
    )
}
# What staff read for a page type (capture.PAGE_TYPES' values).
PAGE_LABELS = {
    "home": _("Home"),
    "catalogue": _("All offers"),
    "category": _("Category"),
    "offer": _("Offer"),
    "compare": _("Compare"),
    "numbers": _("Number search"),
    "number_held": _("Number held"),
    "cart": _("Cart"),
    "checkout": _("Checkout"),
    "landing": _("Landing page"),
    "broadband": _("Broadband renewal"),
    "broadband_account": _("Broadband account"),
    "deposit": _("Deposit offers"),
    "deposit_offer": _("Deposit offer"),
    "top_up": _("Top-up"),
    "orders": _("My orders"),
    "order": _("Order page"),
}
# The words the dashboard shows: the same definitions as the module's docstring and the code.
DEFINITIONS = [
    _("A session is one visitor's activity with gaps under 30 minutes."),
    _(
        "Bounce rate of a page = sessions that entered on that page and viewed nothing else ÷ sessions that "
        "entered on it."
    ),
    _("Exit rate of a page = sessions whose last view was that page ÷ views of that page."),
    _(
        "Funnels: one per way of buying; a visitor counts at a step only after reaching the step before it, in "
        "that order. Placed, paid and the last step are read from the orders themselves."
    ),
    _(
        "Top pages count views up to the last minute; bounce and exit rates and the funnels are recomputed "
        "every 15 minutes."
    ),
]


@dataclass
class Event:
    visitor: str
    at: dt.datetime
    name: str
    page_type: str = ""
    page_id: str = ""
    offer_kind: str = ""
    order_kind: str = ""  # of the events built from orders


@dataclass
class PageStats:
    views: int = 0
    entries: int = 0
    bounces: int = 0
    exits: int = 0


@dataclass
class Session:
    visitor: str
    events: list[Event] = field(default_factory=list)

    @property
    def views(self) -> list[Event]:
        return [e for e in self.events if e.name == "view"]


def sessions(events: Iterable[Event]) -> list[Session]:
    """Split each visitor's events (any order in) into sessions at gaps of 30 minutes or more."""
    by_visitor: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_visitor[event.visitor].append(event)
    found = []
    for visitor, items in by_visitor.items():
        items.sort(key=lambda e: e.at)
        current = Session(visitor)
        for event in items:
            if current.events and event.at - current.events[-1].at >= SESSION_GAP:
                found.append(current)
                current = Session(visitor)
            current.events.append(event)
        found.append(current)
    return found


def page_stats(all_sessions: Iterable[Session]) -> dict[tuple[str, str], PageStats]:
    stats: dict[tuple[str, str], PageStats] = defaultdict(PageStats)
    for session in all_sessions:
        views = session.views
        if not views:
            continue
        for view in views:
            stats[(view.page_type, view.page_id)].views += 1
        entry, last = views[0], views[-1]
        stats[(entry.page_type, entry.page_id)].entries += 1
        if len(views) == 1:
            stats[(entry.page_type, entry.page_id)].bounces += 1
        stats[(last.page_type, last.page_id)].exits += 1
    return dict(stats)


def matches(step: Step, event: Event, path: Path) -> bool:
    if event.name != step.name or (step.page_type and event.page_type != step.page_type):
        return False
    if step.offer_kind and event.offer_kind != step.offer_kind:
        return False
    return event.name not in ORDER_EVENTS or event.order_kind in path.order_kinds


def funnel(events: Iterable[Event], path: str = "offer", offer_kind: str = "") -> dict[str, int]:
    """Visitors reaching each step of a way of buying in order (of one offer kind, or of all when "")."""
    way = PATHS[path]
    reached: dict[str, int] = {}
    for event in sorted(events, key=lambda e: e.at):
        if offer_kind and event.offer_kind != offer_kind:
            continue
        index = reached.get(event.visitor, -1) + 1
        if index < len(way.steps) and matches(way.steps[index], event, way):
            reached[event.visitor] = index
    counts = {step.key: 0 for step in way.steps}
    for index in reached.values():
        for step in way.steps[: index + 1]:
            counts[step.key] += 1
    return counts


def conversion(counts: dict[str, int], path: str = "offer") -> list[tuple[str, int, float | None]]:
    """(step, visitors, share of the step before), in the path's order."""
    rows: list[tuple[str, int, float | None]] = []
    before = None
    for step in PATHS[path].steps:
        n = counts.get(step.key, 0)
        rows.append((step.key, n, n / before if before else None))
        before = n
    return rows
