"""The order's side of real-name verification: what a decision means for the order, and what a
subscriber whose check failed can do about it.

Passed: a card waiting for it is activated. Failed: the subscriber gets a text saying why and
what to do. A failure no new photo can fix (the name and ID do not match) or the last photo
attempt puts the order in staff's needs-attention queue, and the order page offers what can fix
it: correcting the name and ID (checked again with the provider), or cancelling with a refund."""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import HallError
from orders import notify
from orders.models import Order
from orders.models import OrderStatus as S
from orders.selectors import new_numbers
from orders.states import IllegalTransition, lock, record, transition
from realname import services as realname
from realname.models import Identity, Verification
from realname.registry import services as registry
from tenants.gateways import current_carrier

STUCK = "verification_stuck"  # the action that put an order in the queue for its verification


class IdentityCorrectionError(HallError):
    """The message is for the subscriber; nothing was changed."""


def verification_decided(verification: Verification, **_signal) -> None:
    """In the decision's transaction (realname.signals.decided)."""
    from orders.fulfilment import enqueue

    order = verification.order
    if verification.status == Verification.Status.PASSED:
        _resume(order, "verified")
        enqueue(order)
        return
    if realname.can_retry_photo(verification):
        notify.send(
            order,
            "verification_retry",
            reason=realname.reason_text(verification),
            status=f"{verification.identity_id}:{verification.attempts}",
        )
        return
    notify.send(
        order,
        "verification_mismatch" if realname.can_correct(verification) else "verification_failed",
        reason=realname.reason_text(verification),
        status=f"{verification.identity_id}:{verification.attempts}",
    )
    # not paid yet, or already with staff: then the page still shows the choices
    with contextlib.suppress(IllegalTransition):
        transition(
            order,
            S.NEEDS_ATTENTION,
            STUCK,
            reason=realname.reason_text(verification),
            data={"reason": verification.reason},
            expect={S.PAID, S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED},
        )


def _resume(order: Order, why: str, **who) -> None:
    """Out of the queue, back to where the order was, if it was the verification that put it there."""
    order.refresh_from_db()
    if order.status != S.NEEDS_ATTENTION:
        return
    flagged = order.events.filter(to_status=S.NEEDS_ATTENTION).order_by("-at", "-pk").first()
    if flagged is None or flagged.action != STUCK:
        return
    back_to = (
        flagged.from_status
        if flagged.from_status in {S.PAID, S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED}
        else S.IN_FULFILMENT
    )
    transition(order, back_to, "resumed", reason=why, expect={S.NEEDS_ATTENTION}, **who)


def choices(order: Order) -> dict[str, bool]:
    """What the order page offers for the verification."""
    verification = getattr(order, "verification", None)
    open_order = order.status not in {S.CANCELLED, S.CLOSED_UNPAID, S.REFUNDING, S.REFUNDED}
    if verification is None or not open_order:
        return {"photo": False, "correct": False, "cancel": False}
    return {
        "photo": realname.can_retry_photo(verification),
        "correct": realname.can_correct(verification),
        # a card that cannot be activated (failed, or recycled after its deadline) and is with staff
        "cancel": verification.status in (Verification.Status.FAILED, Verification.Status.EXPIRED)
        and order.status == S.NEEDS_ATTENTION,
    }


def correct_identity(order: Order, name: str, id_number: str, *, user) -> None:
    """A corrected name and ID: checked with the provider first (a mismatch changes nothing), then
    the numbers are claimed for the new identity and the check starts again with a new portrait."""
    verification = order.verification
    if not realname.can_correct(verification):
        raise IdentityCorrectionError(_("The name and ID number can only be corrected after a mismatch."))
    try:
        precheck = realname.check_before_order(name, id_number, who=f"user:{user.pk}")
    except realname.VerificationError as exc:
        raise IdentityCorrectionError(str(exc)) from None
    carrier = current_carrier()
    ref = f"{carrier.slug}:{order.number}"
    numbers = new_numbers(order)
    old_identity = order.identity_id
    with transaction.atomic():
        order = lock(order)
        identity = Identity.seal(name, id_number)
        identity.save()
        registry.release(carrier.slug, ref)
        try:
            registry.reserve(carrier, identity.id_hash, numbers, ref)
        except registry.LimitReached as exc:
            transaction.set_rollback(True)
            raise IdentityCorrectionError(str(exc)) from None
        Order.objects.filter(pk=order.pk).update(identity=identity)
        try:
            verification = realname.correct_identity(verification, identity)
        except realname.VerificationError as exc:
            transaction.set_rollback(True)
            raise IdentityCorrectionError(str(exc)) from None
        Verification.objects.filter(pk=verification.pk).update(precheck=precheck)
        # the wrong name and ID serve nothing now: not kept (personal data is kept only while it serves)
        Identity.objects.filter(pk__in=[old_identity]).exclude(orders__isnull=False).exclude(
            verifications__isnull=False
        ).delete()
        record(order, "identity_corrected", actor=user, actor_label="subscriber")
        _resume(order, _("the subscriber corrected the name and ID number"), actor=user, actor_label="subscriber")


def cancel_unverified(order: Order, *, user, reason: str = "") -> None:
    """The card cannot be activated for this subscriber: refund it; the numbers go back."""
    from orders.fulfilment import compensate
    from orders.payments.services import PaymentError, request_refund
    from orders.release import release_after_refund

    if not choices(order)["cancel"]:
        raise IdentityCorrectionError(_("This order cannot be cancelled here."))
    try:
        request_refund(
            order,
            actor=user,
            actor_label="subscriber",
            reason=reason or _("real-name verification did not pass: cancelled by the subscriber"),
        )
    except PaymentError as exc:
        raise IdentityCorrectionError(str(exc)) from None
    compensate(order)
    release_after_refund(order)


def on_event(verification: Verification, action: str, data: dict | None = None, **_signal) -> None:
    """What happened to the verification goes on the order's timeline (realname.signals.happened)."""
    record(verification.order, action, data=data or {})


def release_at_the_carrier(verification: Verification, **_signal) -> None:
    """The deadline passed: the card's numbers are released at the BSS first (keyed, so a repeat is
    harmless), outside any transaction (realname.signals.expiring)."""
    from tenants import ports

    order = verification.order
    for number in new_numbers(order):
        ports.bss().release_number(number=number, key=f"{order.number}:recycle:{number}")


def recycle_the_card(verification: Verification, **_signal) -> None:
    """In the transaction that expired the verification (realname.signals.expired): the numbers
    rest before going back to the pool, and the order goes to staff for the refund."""
    import datetime as dt

    from django.conf import settings

    from numberpool import holds

    order = verification.order
    numbers = new_numbers(order)
    for number in numbers:
        holds.recycle(number, order.hold_owner, dt.timedelta(days=settings.HALL_RECYCLED_NUMBER_COOLOFF_DAYS))
    try:
        transition(
            order,
            S.NEEDS_ATTENTION,
            "recycled",
            reason=_("not verified in time: the card is recycled"),
            data={"numbers": numbers},
        )
    except IllegalTransition:
        record(order, "recycled", data={"numbers": numbers})


def connect() -> None:
    """At start-up (OrdersConfig.ready): the order's side of each verification signal."""
    from realname import signals

    signals.happened.connect(on_event, sender=Verification, dispatch_uid="orders.verification.event")
    signals.decided.connect(verification_decided, sender=Verification, dispatch_uid="orders.verification.decided")
    signals.expiring.connect(release_at_the_carrier, sender=Verification, dispatch_uid="orders.verification.release")
    signals.expired.connect(recycle_the_card, sender=Verification, dispatch_uid="orders.verification.recycle")
