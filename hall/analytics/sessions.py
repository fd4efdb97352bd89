"""The definitions, in code (the staff dashboard shows these words):

- A session is one visitor's activity with gaps under 30 minutes.
- Bounce rate of a page = sessions that entered on that page and viewed nothing else ÷ sessions
  that entered on it.
- Exit rate of a page = sessions whose last view was that page ÷ views of that page.
- Funnel: view offer → add to cart → checkout started → order placed → paid → activated; a
  visitor counts at a step only after reaching the step before it, in that order.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

SESSION_GAP = dt.timedelta(minutes=30)
FUNNEL = ["view_offer", "add_to_cart", "checkout_started", "order_placed", "paid", "activated"]
STEP_LABELS = {"view_offer": _("Viewed an offer"), "add_to_cart": _("Added to cart"),
               "checkout_started": _("Started checkout"), "order_placed": _("Placed an order"),
               "paid": _("Paid"), "activated": _("Activated")}
# The words the dashboard shows: the same definitions as the module's docstring and the code.
DEFINITIONS = [
    _("A session is one visitor's activity with gaps under 30 minutes."),
    _("Bounce rate of a page = sessions that entered on that page and viewed nothing else ÷ sessions that "
      "entered on it."),
    _("Exit rate of a page = sessions whose last view was that page ÷ views of that page."),
    _("Funnel: view offer → add to cart → checkout started → order placed → paid → activated; a visitor counts "
      "at a step only after reaching the step before it, in that order."),
]


@dataclass
class Event:
    visitor: str
    at: dt.datetime
    name: str
    page_type: str = ""
    page_id: str = ""
    offer_kind: str = ""


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


def funnel_step(event: Event) -> str | None:
    if event.name == "view" and event.page_type == "offer":
        return "view_offer"
    return event.name if event.name in FUNNEL else None


def funnel(events: Iterable[Event], offer_kind: str = "") -> dict[str, int]:
    """Visitors reaching each step in order (of one offer kind, or of all when "")."""
    reached: dict[str, int] = {}
    for event in sorted(events, key=lambda e: e.at):
        if offer_kind and event.offer_kind != offer_kind:
            continue
        step = funnel_step(event)
        if step is None:
            continue
        index = FUNNEL.index(step)
        if index == reached.get(event.visitor, -1) + 1:
            reached[event.visitor] = index
    counts = {step: 0 for step in FUNNEL}
    for index in reached.values():
        for step in FUNNEL[:index + 1]:
            counts[step] += 1
    return counts


def conversion(counts: dict[str, int]) -> list[tuple[str, int, float | None]]:
    """(step, visitors, share of the step before)."""
    # (labels for screens: STEP_LABELS[step])
    rows, before = [], None
    for step in FUNNEL:
        rows.append((step, counts.get(step, 0), counts.get(step, 0) / before if before else None))
        before = counts.get(step, 0)
    return rows
