"""The order's real-name verification: ship first, verify later. The subscriber submits a
portrait and liveness evidence from the order page; a worker hands them to the carrier's provider
and asks for the decision; activation waits for "passed"; reminders go out before the deadline and
an unverified card is recycled after it.

What a decision means for the order: passed, the card waiting for it is activated; failed, the
subscriber is texted why and what to do. A failure no new photo can fix (the name and ID do not
match) or the last photo attempt puts the order in staff's needs-attention queue, and the order
page offers what can fix it: correcting the name and ID (checked again with the provider), or
cancelling with a refund.

It calls down into `realname` (the identity, its crypto, the registry, the provider's check) and
the provider port; `realname` never imports orders. Task arguments carry only the verification's
id; the portrait lives encrypted in the row until the provider has decided, then it is deleted."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from core.errors import HallError
from core.tasks import send_on_commit
from core.tenancy import current_schema
from numberpool import holds
from orders import notify
from orders.events import Action, record
from orders.fulfilment import compensate, enqueue
from orders.models import Order, Verification
from orders.models import OrderStatus as S
from orders.payments.services import PaymentError, request_refund
from orders.release import release_after_refund
from orders.selectors import new_numbers
from orders.states import IllegalTransition, lock, transition
from realname import crypto, precheck
from realname.models import Identity
from realname.registry import services as registry
from tenants import ports
from tenants.gateways import current_carrier
from tenants.gateways.sms import SmsError, signed

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
PHOTO_CANNOT_FIX = {"mismatch"}
MAX_PORTRAIT_BYTES = 5 * 1024 * 1024
REMIND_DAYS_LEFT = (7, 3, 1)
STUCK = Action.VERIFICATION_STUCK  # the action that put an order in the queue for its verification


class VerificationError(HallError):
    """The message is for the subscriber."""


class IdentityCorrectionError(HallError):
    """The message is for the subscriber; nothing was changed."""


def _restart_for(verification: Verification, identity: Identity) -> Verification:
    """The subscriber gave a corrected name and ID after a mismatch: the check starts again for
    the new identity (a new portrait, fresh attempts). Call inside the caller's transaction."""
    verification = Verification.objects.select_for_update().get(pk=verification.pk)
    if not can_correct(verification):
        raise VerificationError(_("The name and ID number can only be corrected after a mismatch."))
    verification.identity = identity
    verification.status, verification.reason, verification.provider_ref = Verification.Status.WAITING, "", ""
    verification.attempts, verification.portrait_encrypted, verification.decided_at = 0, "", None
    verification.save(
        update_fields=["identity", "status", "reason", "provider_ref", "attempts", "portrait_encrypted", "decided_at"]
    )
    return verification


def can_correct(verification: Verification) -> bool:
    """A new portrait cannot fix a wrong name or ID; a corrected identity can."""
    return verification.status == Verification.Status.FAILED and verification.reason in PHOTO_CANNOT_FIX


def can_retry_photo(verification: Verification) -> bool:
    return verification.status == Verification.Status.WAITING or (
        verification.status == Verification.Status.FAILED
        and verification.reason not in PHOTO_CANNOT_FIX
        and verification.attempts < MAX_ATTEMPTS
    )


def start_deadline(order: Order) -> None:
    """Paid: the clock for verifying starts (the carrier's days, default 30)."""
    days = current_carrier().verification_days
    Verification.objects.filter(order=order, deadline__isnull=True).update(
        deadline=(order.paid_at or timezone.now()) + dt.timedelta(days=days)
    )


def _check_portrait(portrait: bytes) -> None:
    if not portrait:
        raise VerificationError(_("Take or choose a photo of your face."))
    if len(portrait) > MAX_PORTRAIT_BYTES:
        raise VerificationError(_("The photo is too large (at most 5 MB)."))
    try:
        with Image.open(io.BytesIO(portrait)) as image:
            image.verify()
            if image.format not in {"JPEG", "PNG", "WEBP"}:
                raise VerificationError(_("Use a JPEG, PNG or WebP photo."))
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise VerificationError(_("That file is not a photo we can read.")) from None


def submit(verification: Verification, portrait: bytes, liveness: dict) -> Verification:
    _check_portrait(portrait)
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification.pk)
        if verification.status not in (Verification.Status.WAITING, Verification.Status.FAILED):
            raise VerificationError(_("This verification is not waiting for a photo."))
        if verification.reason in PHOTO_CANNOT_FIX:
            raise VerificationError(
                _(
                    "A new photo cannot fix a name that does not match the ID number: "
                    "correct the name and ID number instead."
                )
            )
        if verification.attempts >= MAX_ATTEMPTS:
            raise VerificationError(_("Too many attempts. Please contact customer service."))
        verification.portrait_encrypted = crypto.encrypt_bytes(portrait, "portrait")
        verification.liveness = {k: liveness[k] for k in ("method", "frames", "duration_ms") if k in liveness}
        verification.status, verification.reason, verification.provider_ref = Verification.Status.CHECKING, "", ""
        verification.attempts += 1
        verification.submitted_at = timezone.now()
        verification.save()
        _record(verification, Action.VERIFICATION_SUBMITTED)
        _later("send_to_provider", verification.pk)
    return verification


def _later(task_name: str, verification_id: int, countdown: float = 0) -> None:
    send_on_commit(f"orders.tasks.{task_name}", (verification_id,), countdown)


def _record(verification: Verification, action: Action, data: dict | None = None) -> None:
    """What happened to the verification goes on the order's timeline."""
    record(verification.order, action, data=data or {})


def send_to_provider(verification_id: int) -> str:
    verification = Verification.objects.select_related("identity").get(pk=verification_id)
    if verification.status != Verification.Status.CHECKING:
        return verification.status
    if not verification.provider_ref:
        provider = ports.realname()
        name, id_number = verification.identity.reveal()
        ref = provider.submit(
            reference=f"{current_schema()}:{verification.pk}:{verification.identity_id}:"
            f"{verification.attempts}",  # a corrected identity is a new check
            name=name,
            id_number=id_number,
            portrait=crypto.decrypt_bytes(verification.portrait_encrypted, "portrait"),
            liveness=verification.liveness,
        )
        Verification.objects.filter(pk=verification.pk).update(provider=provider.name, provider_ref=ref)
    return "submitted"


def poll(verification_id: int) -> str:
    """Ask the provider; "pending" means ask again later."""
    verification = Verification.objects.get(pk=verification_id)
    if verification.status != Verification.Status.CHECKING or not verification.provider_ref:
        return verification.status
    decision = ports.realname(adapter=verification.provider).result(verification.provider_ref)
    if decision.status == "pending":
        return "pending"
    with transaction.atomic():
        verification = Verification.objects.select_for_update().get(pk=verification_id)
        if verification.status != Verification.Status.CHECKING:
            return verification.status
        passed = decision.status == "passed"
        verification.status = Verification.Status.PASSED if passed else Verification.Status.FAILED
        verification.reason = "" if passed else decision.reason[:20]
        verification.portrait_encrypted = ""  # the portrait goes as soon as the check is done
        verification.decided_at = timezone.now()
        verification.save(update_fields=["status", "reason", "portrait_encrypted", "decided_at"])
        _record(
            verification,
            Action.VERIFIED if passed else Action.VERIFICATION_FAILED,
            data={} if passed else {"reason": verification.reason},
        )
        _decided(verification)
    return verification.status


REASONS = {  # lazy: read in the language of each request
    "mismatch": gettext_lazy("the name and ID number do not match the identity authority's records"),
    "liveness": gettext_lazy("the liveness check did not pass: follow the prompts with your face in view"),
    "poor_image": gettext_lazy("the photo was too small or unclear"),
    "no_photo": gettext_lazy("the identity authority has no photo to compare with"),
}


def reason_text(verification: Verification) -> str:
    return str(REASONS.get(verification.reason, _("the check did not pass")))


def remind_and_recycle(now: datetime | None = None) -> dict[str, int]:
    """Beat: remind before the deadline (7, 3, 1 days left, by SMS to the contact phone); recycle
    after it: the claim in the registry, the number at the carrier and in the pool are released."""
    now = now or timezone.now()
    done = {"reminded": 0, "recycled": 0}
    open_checks = Verification.objects.filter(
        status__in=[Verification.Status.WAITING, Verification.Status.FAILED], deadline__isnull=False
    ).select_related("order")
    for verification in open_checks:
        deadline = verification.deadline
        assert deadline is not None  # filtered above
        days_left = (deadline - now).days
        if deadline <= now:
            done["recycled"] += recycle(verification)
        elif days_left + 1 in REMIND_DAYS_LEFT and days_left + 1 not in verification.reminders_sent:
            done["reminded"] += _remind(verification, days_left + 1)
    return done


def _remind(verification: Verification, days_left: int) -> bool:
    order = verification.order
    text = signed(
        _(
            "Please complete real-name verification of order %(order)s within %(days)d days, or the "
            "card will be recycled."
        )
        % {"order": order.number, "days": days_left},
        current_carrier().name,
    )
    try:
        ports.sms().send(number=order.contact_phone, text=text, key=f"verify-reminder:{order.number}:{days_left}")
    except SmsError as exc:  # one text that did not go must not stop the reminders of everyone after it
        log.warning("verification reminder for order %s not sent (tried again next run): %s", order.number, exc)
        return False
    Verification.objects.filter(pk=verification.pk).update(reminders_sent=[*verification.reminders_sent, days_left])
    _record(verification, Action.VERIFICATION_REMINDER, data={"days_left": days_left})
    return True


def recycle(verification: Verification) -> int:
    """The deadline passed: the verification expires and the identity's claim on the numbers is
    released, the card's numbers are released at the carrier and rest, and the order goes to staff."""
    order = verification.order
    _release_at_the_carrier(verification)
    with transaction.atomic():
        if not Verification.objects.filter(
            pk=verification.pk, status__in=[Verification.Status.WAITING, Verification.Status.FAILED]
        ).update(status=Verification.Status.EXPIRED, portrait_encrypted=""):
            return 0
        registry.release(current_carrier().slug, f"{current_carrier().slug}:{order.number}")
        _recycle_the_card(verification)
    log.info("order %s recycled: real-name verification missed its deadline", order.number)
    return 1


def _decided(verification: Verification) -> None:
    """In the decision's transaction: what the decision means for the order."""
    order = verification.order
    if verification.status == Verification.Status.PASSED:
        _resume(order, "verified")
        enqueue(order)
        return
    if can_retry_photo(verification):
        notify.send(
            order,
            "verification_retry",
            reason=reason_text(verification),
            status=f"{verification.identity_id}:{verification.attempts}",
        )
        return
    notify.send(
        order,
        "verification_mismatch" if can_correct(verification) else "verification_failed",
        reason=reason_text(verification),
        status=f"{verification.identity_id}:{verification.attempts}",
    )
    # not paid yet, or already with staff: then the page still shows the choices
    with contextlib.suppress(IllegalTransition):
        transition(
            order,
            S.NEEDS_ATTENTION,
            STUCK,
            reason=reason_text(verification),
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
    transition(order, back_to, Action.RESUMED, reason=why, expect={S.NEEDS_ATTENTION}, **who)


def choices(order: Order) -> dict[str, bool]:
    """What the order page offers for the verification."""
    verification = getattr(order, "verification", None)
    open_order = order.status not in {S.CANCELLED, S.CLOSED_UNPAID, S.REFUNDING, S.REFUNDED}
    if verification is None or not open_order:
        return {"photo": False, "correct": False, "cancel": False}
    return {
        "photo": can_retry_photo(verification),
        "correct": can_correct(verification),
        # a card that cannot be activated (failed, or recycled after its deadline) and is with staff
        "cancel": verification.status in (Verification.Status.FAILED, Verification.Status.EXPIRED)
        and order.status == S.NEEDS_ATTENTION,
    }


def correct_identity(order: Order, name: str, id_number: str, *, user: User) -> None:
    """A corrected name and ID: checked with the provider first (a mismatch changes nothing), then
    the numbers are claimed for the new identity and the check starts again with a new portrait."""
    verification = order.verification
    if not can_correct(verification):
        raise IdentityCorrectionError(_("The name and ID number can only be corrected after a mismatch."))
    try:
        check = precheck.check(name, id_number, who=f"user:{user.pk}")
    except precheck.IdentityCheckRefused as exc:
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
            verification = _restart_for(verification, identity)
        except VerificationError as exc:
            transaction.set_rollback(True)
            raise IdentityCorrectionError(str(exc)) from None
        Verification.objects.filter(pk=verification.pk).update(precheck=check)
        # the wrong name and ID serve nothing now: not kept (personal data is kept only while it serves)
        Identity.objects.filter(pk__in=[old_identity]).exclude(orders__isnull=False).exclude(
            verifications__isnull=False
        ).delete()
        record(order, Action.IDENTITY_CORRECTED, actor=user, actor_label="subscriber")
        _resume(order, _("the subscriber corrected the name and ID number"), actor=user, actor_label="subscriber")


def cancel_unverified(order: Order, *, user: User, reason: str = "") -> None:
    """The card cannot be activated for this subscriber: refund it; the numbers go back."""
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


def _release_at_the_carrier(verification: Verification) -> None:
    """The deadline passed: the card's numbers are released at the BSS first (keyed, so a repeat is
    harmless), outside any transaction."""
    order = verification.order
    for number in new_numbers(order):
        ports.bss().release_number(number=number, key=f"{order.number}:recycle:{number}")


def _recycle_the_card(verification: Verification) -> None:
    """In the transaction that expired the verification: the numbers
    rest before going back to the pool, and the order goes to staff for the refund."""
    order = verification.order
    numbers = new_numbers(order)
    for number in numbers:
        holds.recycle(number, order.hold_owner, dt.timedelta(days=settings.HALL_RECYCLED_NUMBER_COOLOFF_DAYS))
    try:
        transition(
            order,
            S.NEEDS_ATTENTION,
            Action.RECYCLED,
            reason=_("not verified in time: the card is recycled"),
            data={"numbers": numbers},
        )
    except IllegalTransition:
        record(order, Action.RECYCLED, data={"numbers": numbers})
