"""Real-name verification of SIM orders: ship first, verify later. The subscriber submits a
portrait and liveness evidence from the order page; a worker hands them to the carrier's
provider and asks for the decision; activation waits for "passed"; reminders go out before the
deadline and an unverified card is recycled after it.

Task arguments carry only the verification's id; the portrait lives encrypted in the row until
the provider has decided, then it is deleted."""

from __future__ import annotations

import datetime as dt
import io
import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from core import ratelimit
from core.errors import HallError
from core.tasks import send_on_commit
from core.tenancy import current_schema
from realname import crypto, signals
from realname.models import Verification
from tenants import ports
from tenants.gateways import current_carrier
from tenants.gateways.realname import ProviderError
from tenants.gateways.sms import SmsError, signed

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
PHOTO_CANNOT_FIX = {"mismatch"}
MAX_PORTRAIT_BYTES = 5 * 1024 * 1024
REMIND_DAYS_LEFT = (7, 3, 1)


class VerificationError(HallError):
    """The message is for the subscriber."""


class NotVerified(HallError):
    pass


PRECHECK_LIMIT_PER_HOUR = 10  # a real provider charges per check, and IDs must not be probed
PRECHECK_MEMORY = 24 * 3600  # a pair already found to match is not checked again today


def check_before_order(name: str, id_number: str, *, who: str) -> str:
    """二要素 before the order is accepted, where the carrier's provider offers it. Returns
    "passed", "skipped" (the provider has no such check) or "unavailable" (it is down: the order
    goes ahead and the portrait check after shipping decides); raises VerificationError for a
    mismatch or for too many checks by `who` (the subscriber) in an hour."""
    provider = ports.realname()
    if not provider.supports_identity_check:
        return "skipped"
    remembered = f"realname:precheck:{crypto.lookup_hash(f'{name}|{id_number}')}"
    if cache.get(remembered):
        return "passed"
    if (
        ratelimit.count(f"realname:precheck:{current_schema()}:{who}:{int(time.time() // 3600)}", 3605)
        > PRECHECK_LIMIT_PER_HOUR
    ):
        raise VerificationError(_("Too many identity checks in an hour. Please try again later."))
    try:
        decision = provider.check_identity(name=name, id_number=id_number)
    except ProviderError as exc:
        log.warning("two-factor identity check unavailable (%s): the order goes ahead", exc)
        return "unavailable"
    if decision.status != "passed":
        raise VerificationError(
            _(
                "The name and ID number do not match the identity authority's records. "
                "Check both against the ID card and enter them again."
            )
        )
    cache.set(remembered, True, PRECHECK_MEMORY)
    return "passed"


def open_for(order, identity, precheck: str = "") -> Verification:
    return Verification.objects.get_or_create(order=order, defaults={"identity": identity, "precheck": precheck})[0]


def correct_identity(verification: Verification, identity) -> Verification:
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


def start_deadline(order) -> None:
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
        _record(verification, "verification_submitted")
        _later("send_to_provider", verification.pk)
    return verification


def _later(task_name: str, verification_id: int, countdown: float = 0) -> None:
    send_on_commit(f"realname.tasks.{task_name}", (verification_id,), countdown)


def _record(verification, action, **kwargs):
    signals.happened.send(sender=Verification, verification=verification, action=action, data=kwargs.get("data"))


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
            "verified" if passed else "verification_failed",
            data={} if passed else {"reason": verification.reason},
        )
        signals.decided.send(sender=Verification, verification=verification)  # the order's side
    return verification.status


REASONS = {  # lazy: read in the language of each request
    "mismatch": gettext_lazy("the name and ID number do not match the identity authority's records"),
    "liveness": gettext_lazy("the liveness check did not pass: follow the prompts with your face in view"),
    "poor_image": gettext_lazy("the photo was too small or unclear"),
    "no_photo": gettext_lazy("the identity authority has no photo to compare with"),
}


def reason_text(verification: Verification) -> str:
    return str(REASONS.get(verification.reason, _("the check did not pass")))


def require_verified(order) -> None:
    verification = Verification.objects.filter(order=order).first()
    if verification is None or verification.status != Verification.Status.PASSED:
        raise NotVerified(f"order {order.number}: real-name verification has not passed")


def remind_and_recycle(now=None) -> dict[str, int]:
    """Beat: remind before the deadline (7, 3, 1 days left, by SMS to the contact phone); recycle
    after it: the claim in the registry, the number at the carrier and in the pool are released."""
    now = now or timezone.now()
    done = {"reminded": 0, "recycled": 0}
    open_checks = Verification.objects.filter(
        status__in=[Verification.Status.WAITING, Verification.Status.FAILED], deadline__isnull=False
    ).select_related("order")
    for verification in open_checks:
        days_left = (verification.deadline - now).days
        if verification.deadline <= now:
            done["recycled"] += recycle(verification)
        elif days_left + 1 in REMIND_DAYS_LEFT and days_left + 1 not in verification.reminders_sent:
            done["reminded"] += _remind(verification, days_left + 1)
    return done


def _remind(verification, days_left: int) -> bool:
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
    _record(verification, "verification_reminder", data={"days_left": days_left})
    return True


def recycle(verification) -> int:
    """The deadline passed: the verification expires and the identity's claim on the numbers is
    released; what becomes of the card and the order is the order's side (signals.expiring, .expired)."""
    from realname.registry import services as registry

    order = verification.order
    signals.expiring.send(sender=Verification, verification=verification)
    with transaction.atomic():
        if not Verification.objects.filter(
            pk=verification.pk, status__in=[Verification.Status.WAITING, Verification.Status.FAILED]
        ).update(status=Verification.Status.EXPIRED, portrait_encrypted=""):
            return 0
        registry.release(current_carrier().slug, f"{current_carrier().slug}:{order.number}")
        signals.expired.send(sender=Verification, verification=verification)
    log.info("order %s recycled: real-name verification missed its deadline", order.number)
    return 1
