"""Reads for the staff order page: the order as a work order a person reads (names of steps and
states in the staff's language, results as labelled values, the timeline as sentences), never
model reprs or raw JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.phone import mask_phone
from orders.events import Action, describe
from orders.fulfilment import QUIET_STEPS
from orders.models import FulfilmentStep, Order, OrderEvent, OrderStatus, Ticket, TicketEvent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STEP_LABELS: dict[str, StrOrPromise] = {
    "occupy_number": pgettext_lazy("fulfilment step", "Occupy the number"),
    "open_account": pgettext_lazy("fulfilment step", "Open the account"),
    "ship": pgettext_lazy("fulfilment step", "Ship"),
    "await_delivery": pgettext_lazy("fulfilment step", "Wait for delivery"),
    "await_verification": pgettext_lazy("fulfilment step", "Wait for real-name verification"),
    "activate": pgettext_lazy("fulfilment step", "Activate"),
    "apply_addons": pgettext_lazy("fulfilment step", "Apply the add-ons"),
    "renew_broadband": pgettext_lazy("fulfilment step", "Renew the broadband"),
    "join_offer": pgettext_lazy("fulfilment step", "Register the offer"),
    "credit_deposit": pgettext_lazy("fulfilment step", "Credit the deposit"),
    "schedule_payouts": pgettext_lazy("fulfilment step", "Schedule the monthly returns"),
    "credit_top_up": pgettext_lazy("fulfilment step", "Credit the top-up"),
    "change_plan": pgettext_lazy("fulfilment step", "Change the plan"),
}
STEP_STATUS: dict[str, StrOrPromise] = {
    FulfilmentStep.Status.RUNNING: pgettext_lazy("fulfilment step", "In progress"),
    FulfilmentStep.Status.DONE: pgettext_lazy("fulfilment step", "Done"),
    FulfilmentStep.Status.FAILED: pgettext_lazy("fulfilment step", "Failed"),
}
# What each key of a step's result means; values that are {number: value} become one row per number.
RESULT_LABELS = {
    "courier": _("Courier"),
    "tracking_no": _("Tracking number"),
    "iccids": "ICCID",
    "accounts": _("Account"),
    "numbers": _("Numbers"),
    "expires_on": _("Valid until"),
    "account": _("Broadband account"),
    "credited": _("Credited"),
    "balance": _("Balance after"),
    "amount": _("Amount"),
    "payouts": _("Monthly returns"),
    "first_due": _("First return on"),
    "applied": _("Add-ons applied"),
    "delivered_at": _("Delivered at"),
    "first_top_up": _("First top-up"),
    "plan": _("Plan"),
    "starts_on": _("From"),
}
PAYMENT_ADAPTERS = {"simulator": _("Simulated payment"), "alipay": _("Alipay"), "wechat": _("WeChat Pay")}
CONFIRMED_BY = {"notification": _("payment notification"), "query": _("status query")}
LINE_TERMS = {"minimum_spend": _("minimum monthly spend"), "contract_months": _("contract months")}
MONEY_KEYS = {"credited", "balance", "amount", "first_top_up"}
ACTORS = {
    "subscriber": pgettext_lazy("who did it", "Subscriber"),
    "staff": pgettext_lazy("who did it", "Staff"),
    "gateway": pgettext_lazy("who did it", "Carrier system"),
    "system": pgettext_lazy("who did it", "System"),
}


@dataclass
class StepView:
    name: str
    status: str
    status_label: str
    attempts: int
    duration_ms: int | None
    error: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


@dataclass
class EventView:
    at: dt.datetime
    text: str
    actor: str
    reason: str
    change: str  # "已付款 → 处理中", or ""
    public: bool
    where: str = ""


def _value(key: str, value) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    if key in MONEY_KEYS:
        return f"¥{value}"
    if key == "delivered_at" and isinstance(value, str):
        try:
            return formats.date_format(timezone.localtime(dt.datetime.fromisoformat(value)), "Y-m-d H:i")
        except ValueError:
            return value
    return str(value)


def result_rows(result: dict) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in (result or {}).items():
        label = str(RESULT_LABELS.get(key, key))
        if isinstance(value, dict):  # per number: ICCID and account of each SIM
            rows.extend((f"{label} · {number}", str(item)) for number, item in value.items())
        else:
            rows.append((label, _value(key, value)))
    return rows


def step_views(order: Order) -> list[StepView]:
    return [
        StepView(
            name=str(STEP_LABELS.get(s.step, s.step)),
            status=s.status,
            status_label=str(STEP_STATUS.get(s.status, s.status)),
            attempts=s.attempts,
            duration_ms=s.duration_ms,
            error=s.error,
            rows=result_rows(s.result),
            started_at=s.started_at,
            finished_at=s.finished_at,
        )
        for s in order.steps.all()
    ]


def _status_label(value: str) -> str:
    return str(OrderStatus(value).label) if value in OrderStatus.values else value


def actor_text(event: OrderEvent | TicketEvent) -> str:
    who = str(ACTORS.get(event.actor_label, event.actor_label))
    if not (event.actor_id and event.actor):
        return who
    # staff are named (who did what matters); a subscriber's username is their phone number: masked
    name = event.actor.username if event.actor_label == "staff" else mask_phone(event.actor.username)
    return f"{who} {name}"


def event_views(order: Order) -> list[EventView]:
    views = []
    for e in order.events.select_related("actor"):
        change = f"{_status_label(e.from_status)} → {_status_label(e.to_status)}" if e.to_status else ""
        where = (e.data or {}).get("where", "") if isinstance(e.data, dict) else ""
        # a quiet step's own event (await_delivery …) repeats the real one: name the step instead
        text = (
            describe(e)
            if (e.action in Action.values and e.action not in QUIET_STEPS) or e.action not in STEP_LABELS
            else str(pgettext_lazy("fulfilment step", "%(step)s: done") % {"step": STEP_LABELS[e.action]})
        )
        views.append(
            EventView(
                at=e.at,
                text=text,
                actor=actor_text(e),
                reason=e.reason,
                change=change,
                public=e.public,
                where=str(where),
            )
        )
    return views


def attention_reason(order: Order) -> str:
    """Why the order is in the needs-attention queue: the reason given, else the failed step's error."""
    if order.status != OrderStatus.NEEDS_ATTENTION:
        return ""
    flagged = order.events.filter(to_status=OrderStatus.NEEDS_ATTENTION).order_by("-at", "-pk").first()
    failed = order.steps.filter(status=FulfilmentStep.Status.FAILED).order_by("-pk").first()
    parts = [flagged.reason or describe(flagged)] if flagged else []
    if failed:
        parts.append(f"{STEP_LABELS.get(failed.step, failed.step)}: {failed.error}")
    return "；".join(p for p in parts if p)


def subscriber_masked(order: Order) -> str:
    return mask_phone(order.user.username)


def line_views(order: Order) -> list[dict]:
    return [
        {
            "category": line.get_category_display(),
            "name": line.name,
            "detail": line.detail,
            "number": line.number,
            "unit_price": line.unit_price,
            "list_price": line.unit_list_price,
            "quantity": line.quantity,
            "discount": line.discount,
            "terms": "；".join(
                f"{LINE_TERMS[k]} {v}"
                for k, v in (line.terms or {}).items()
                if k in LINE_TERMS and v not in (None, "", 0, "0", "0.00")
            ),
        }
        for line in order.lines.all()
    ]


def payment_views(order: Order) -> list[dict]:
    return [
        {
            "out_trade_no": p.out_trade_no,
            "adapter": str(PAYMENT_ADAPTERS.get(p.adapter, p.adapter)),
            "amount": p.amount,
            "status": p.get_status_display(),
            "trade_no": p.trade_no,
            "paid_at": p.paid_at,
            "confirmed_by": str(CONFIRMED_BY.get(p.confirmed_by, p.confirmed_by)),
        }
        for p in order.payments.all()
    ]


def work_order(order: Order) -> dict:
    """Everything the staff order page shows, read once."""
    identity = order.identity
    return {
        "number": order.number,
        "kind": order.get_kind_display(),
        "status": order.status,
        "status_label": order.get_status_display(),
        "payable": order.payable,
        "subscriber": subscriber_masked(order),
        "holder": identity.name_masked if identity else "",
        "holder_id": identity.id_number_masked if identity else "",
        "attention": attention_reason(order),
        "lines": line_views(order),
        "discounts": list(order.discounts.all()),
        "payments": payment_views(order),
        "steps": step_views(order),
        "events": event_views(order),
        "terms": "、".join(str(t) for t in (order.terms_accepted or [])),
    }


TICKET_ACTIONS = {
    "opened": pgettext_lazy("ticket history", "Submitted"),
    "moved": pgettext_lazy("ticket history", "Moved"),
    "shipped": pgettext_lazy("ticket history", "Replacement card shipped"),
    "note": pgettext_lazy("ticket history", "Note"),
    "escalated": pgettext_lazy("ticket history", "Escalated: past its answer time"),
}


def ticket_history(ticket: Ticket) -> list[EventView]:

    def status(value: str) -> str:
        return str(Ticket.Status(value).label) if value in Ticket.Status.values else value

    views = []
    for e in ticket.events.select_related("actor"):
        change = f"{status(e.from_status) or '—'} → {status(e.to_status)}" if e.to_status else ""
        views.append(
            EventView(
                at=e.at,
                text=str(TICKET_ACTIONS.get(e.action, e.action)),
                actor=actor_text(e),
                reason=e.note,
                change=change,
                public=not e.internal,
            )
        )
    return views
