"""Texts to the subscriber at key moments, through the carrier's SMS gateway. A text that cannot
be sent never stops an order: it is logged and the order carries on."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from orders.models import Order
from tenants import ports
from tenants.gateways import current_carrier
from tenants.gateways.sms import SmsError, signed

log = logging.getLogger(__name__)

# What "paid" means depends on the order: a parcel to prepare, or something the carrier applies.
PAID_TEXTS = {
    "new_sim": lambda: _("Payment for order %(order)s received. We are preparing your card."),
    "device": lambda: _("Payment for order %(order)s received. We are preparing your parcel."),
    "broadband_install": lambda: _("Payment for order %(order)s received. We will arrange the installation."),
    "plan_change": lambda: _("Order %(order)s received: we are changing your plan."),
}
TEXTS = {
    "paid": lambda d: PAID_TEXTS.get(
        d.get("kind", ""), lambda: _("Payment for order %(order)s received. It is being applied to your account.")
    )(),
    "shipped": lambda d: _("Order %(order)s has shipped with %(courier)s, tracking number %(tracking_no)s."),
    "activated": lambda d: _("Your new number for order %(order)s is active. Welcome!"),
    "renewed": lambda d: _("Broadband account %(account)s is renewed until %(expires_on)s (order %(order)s)."),
    "topped_up": lambda d: _("¥%(amount)s has been credited to %(number)s (order %(order)s). Balance: ¥%(balance)s."),
    "deposit_joined": lambda d: _(
        "%(number)s has joined “%(offer)s” (order %(order)s): the bonus credit arrives monthly as the offer describes."
    ),
    "verification_retry": lambda d: _(
        "Real-name verification of order %(order)s did not pass: %(reason)s. Open the order to send a new photo."
    ),
    "verification_mismatch": lambda d: _(
        "Real-name verification of order %(order)s did not pass: %(reason)s. "
        "Open the order to correct the name and ID number, or cancel it with a "
        "refund."
    ),
    "verification_failed": lambda d: _(
        "Real-name verification of order %(order)s did not pass: %(reason)s. "
        "Open the order to cancel it with a refund, or call customer service."
    ),
    "ticket": lambda d: _("Your request %(ticket)s about order %(order)s: %(status)s."),
    "plan_changed": lambda d: _("%(number)s moves to %(plan)s from %(starts_on)s (order %(order)s)."),
}


def send(order: Order, event: str, **data) -> None:
    number = order.contact_phone or order.service_number
    if not number:
        return
    text = signed(TEXTS[event]({"kind": order.kind, **data}) % {"order": order.number, **data}, current_carrier().name)
    key = f"notify:{order.number}:{event}:{data.get('ticket', '')}:{data.get('status', '')}"
    try:
        ports.sms().send(number=number, text=text, key=key)
    except SmsError as exc:
        log.warning("text about order %s (%s) not sent: %s", order.number, event, exc)


def paid(order: Order) -> None:
    """The "paid" text (a reaction to PAID, once the payment has committed)."""
    send(order, "paid")
