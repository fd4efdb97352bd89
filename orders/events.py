"""The order's timeline: every action an event can record, declared once with the words it reads
as (an `Action` member is the only way to name one, so names and labels cannot drift, and mypy
refuses a typo), the one writer of events (`record`) and the subscriber's reading (`describe`).

Step names of the pipelines are actions too: the runner records each step under its name
(tests/platform/test_layers.py checks every step has its member)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEvent


class Action(models.TextChoices):
    """What happened (subscriber wording; staff also see the data)."""

    PLACED = "placed", _("Order placed")
    PAID = "paid", _("Payment received")
    PAYMENT_FAILED = "payment_failed", _("A payment attempt failed")
    CANCELLED = "cancelled", _("Order cancelled")
    CLOSED_UNPAID = "closed_unpaid", _("Closed: not paid in time")
    NUMBER_RELEASED = "number_released", _("Number released")
    NUMBER_SOLD = "number_sold", _("Number reserved for you")
    NUMBER_LOST = "number_lost", _("The chosen number could not be kept")
    REFUND_REQUESTED = "refund_requested", _("Refund requested")
    REFUNDED = "refunded", _("Refund completed")
    LATE_PAYMENT_REFUNDED = "late_payment_refunded", _("A late payment is being refunded")
    FLAGGED = "flagged", _("Flagged for staff attention")
    RESUMED = "resumed", _("Back in fulfilment")
    RETRIED = "retried", _("Being handled again")
    FULFILMENT_STARTED = "fulfilment_started", _("Being prepared")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    NOTE = "note", _("Note")
    RENEW_BROADBAND = "renew_broadband", _("Broadband renewed until %(expires_on)s")
    JOIN_OFFER = "join_offer", _("Offer registered at the carrier")
    CREDIT_DEPOSIT = "credit_deposit", _("Deposit of ¥%(credited)s credited to your number")
    SCHEDULE_PAYOUTS = "schedule_payouts", _("Monthly returns scheduled")
    CREDIT_TOP_UP = "credit_top_up", _("¥%(amount)s credited to your number")
    STEP_FAILED = "step_failed", _("The carrier could not complete the order")
    REFUND_FAILED = "refund_failed", _("The refund did not go through; our staff are on it")
    VERIFICATION_SUBMITTED = "verification_submitted", _("Portrait submitted for real-name verification")
    VERIFIED = "verified", _("Real-name verification passed")
    VERIFICATION_FAILED = "verification_failed", _("Real-name verification did not pass")
    VERIFICATION_REMINDER = "verification_reminder", _("Reminder sent: %(days_left)s days left to verify")
    RECYCLED = "recycled", _("Not verified in time: the card was recycled")
    VERIFICATION_STUCK = "verification_stuck", _("Real-name verification needs your action")
    IDENTITY_CORRECTED = "identity_corrected", _("Name and ID number corrected: please verify again")
    ACTIVATED = "activated", _("Activated")
    ACTIVATE = "activate", _("Activated")
    OCCUPY_NUMBER = "occupy_number", _("Number reserved at the carrier")
    OPEN_ACCOUNT = "open_account", _("Account opened")
    SHIPPING = "shipping", _("Packed and handed to the courier")
    SHIP = "ship", _("Shipped with %(courier)s, tracking number %(tracking_no)s")
    PARCEL_PICKED_UP = "parcel_picked_up", _("Picked up by the courier")
    PARCEL_IN_TRANSIT = "parcel_in_transit", _("In transit")
    PARCEL_OUT_FOR_DELIVERY = "parcel_out_for_delivery", _("Out for delivery")
    APPLY_ADDONS = "apply_addons", _("Add-ons applied to your number")
    CHANGE_PLAN = "change_plan", _("Plan changes to %(plan)s from %(starts_on)s")
    COMPENSATED = "compensated", _("Undone at the carrier")
    COMPENSATION_FAILED = "compensation_failed", _("Undoing at the carrier failed")
    CANCELLED_PAID = "cancelled_paid", _("Cancelled; the payment is being refunded")
    AWAIT_DELIVERY = "await_delivery", _("Delivered")  # quiet steps: staff read them as "<step>: done"
    AWAIT_VERIFICATION = "await_verification", _("Real-name verification passed")


def record(
    order: Order,
    action: Action,
    *,
    actor: User | None = None,
    actor_label: str = "system",
    reason: str = "",
    data: dict | None = None,
    public: bool = True,
    from_status: str = "",
    to_status: str = "",
) -> OrderEvent:
    """Append an event to the timeline without changing the state (an unknown action is refused)."""
    return OrderEvent.objects.create(
        order=order,
        action=Action(action),
        actor=actor if actor and actor.pk else None,
        actor_label=actor_label,
        reason=str(reason)[:300],
        data=data or {},
        public=public,
        from_status=from_status,
        to_status=to_status,
    )


def record_all(order: Order, happened: list[tuple[Action, dict]], *, public: bool = True) -> list[OrderEvent]:
    """Append several events at once (one INSERT), in the order given: e.g. a parcel's tracking."""
    return OrderEvent.objects.bulk_create(
        [
            OrderEvent(order=order, action=Action(action), actor_label="system", data=data, public=public)
            for action, data in happened
        ]
    )


def describe(event: OrderEvent) -> str:
    """An event in the subscriber's words, with its figures (dates, amounts) filled in."""
    label = str(Action(event.action).label) if event.action in Action.values else event.action
    # money as people write it: 300.00 → 300, 12.50 stays
    data = {
        k: v[:-3] if isinstance(v, str) and v.endswith(".00") and v[:-3].isdigit() else v
        for k, v in (event.data or {}).items()
    }
    try:
        return label % data if "%(" in label else label
    except (KeyError, TypeError, ValueError):
        return label.split("%(")[0].strip()
