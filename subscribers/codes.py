"""Number authentication: prove you hold a number by an SMS code sent to it, to sign in, to bind
it to your account, or before acting on a number that is not bound to you (a renewal, a
deposit-for-credit order, an add-on).

Rules: a code lives 5 minutes and allows 5 tries; a new code needs a 60-second wait and a number
gets at most 5 codes an hour (the views also limit codes per IP); codes are stored as keyed
hashes only; a passed check is remembered in the session for 15 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from core.tenancy import current_schema
from subscribers.models import NumberAuthCode
from tenants import ports
from tenants.gateways import current_carrier
from tenants.gateways.bss import BssError
from tenants.gateways.sms import SmsError, signed

CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
CODES_PER_HOUR = 5
VERIFIED_FOR = timedelta(minutes=15)
SESSION_KEY = "verified_numbers"


class AuthError(HallError):
    """The message is for the subscriber."""


def _hash(number: str, purpose: str, code: str) -> str:
    key = hashlib.sha256(b"number-auth:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{current_schema()}:{purpose}:{number}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(number: str, purpose: str, now: datetime | None = None, *, served_only: bool = True) -> NumberAuthCode:
    """Text a code to `number`. For acting on a number it must be one the carrier serves (no texts to
    strangers); signing in (`served_only=False`) is open to any mobile number, since people sign up
    to buy their first number here, and the per-number and per-caller limits hold the same."""
    now = now or timezone.now()
    if served_only:
        _require_served(number)
    with transaction.atomic():
        with connection.cursor() as cursor:  # one sender per number at a time: the limits hold
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{current_schema()}:auth:{number}"])
        recent = NumberAuthCode.objects.filter(number=number, created_at__gt=now - timedelta(hours=1))
        last = recent.order_by("-created_at").first()
        if last and last.created_at > now - RESEND_AFTER:
            wait = int((last.created_at + RESEND_AFTER - now).total_seconds()) + 1
            raise AuthError(_("A code was just sent. You can ask for another in %(s)d seconds.") % {"s": wait})
        if recent.count() >= CODES_PER_HOUR:
            raise AuthError(_("Too many codes for this number. Please try again in an hour."))
        code = f"{secrets.randbelow(10**6):06d}"
        record = NumberAuthCode.objects.create(
            number=number, purpose=purpose, code_hash=_hash(number, purpose, code), expires_at=now + CODE_TTL
        )
        text = signed(
            _("Your code is %(code)s, valid for 5 minutes. Never tell it to anyone.") % {"code": code},
            current_carrier().name,
        )
        try:
            ports.sms().send(number=number, text=text, key=f"number-auth:{record.pk}")
        except SmsError:
            transaction.set_rollback(True)
            raise AuthError(_("The text message could not be sent. Please try again.")) from None
    return record


def _require_served(number: str) -> None:
    try:
        served = ports.bss().subscriber(number)
    except BssError:
        raise AuthError(_("The carrier's system did not answer. Please try again in a moment.")) from None
    if served is None:
        raise AuthError(_("%(number)s is not a number of this carrier.") % {"number": number})


def verify_code(number: str, purpose: str, code: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        record = (
            NumberAuthCode.objects.select_for_update()
            .filter(number=number, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if record is None:
            problem = _("Ask for a code first.")
        elif record.expires_at < now:
            problem = _("The code has expired. Ask for a new one.")
        elif record.attempts >= MAX_ATTEMPTS:
            problem = _("Too many wrong codes. Ask for a new one.")
        else:
            record.attempts += 1
            if hmac.compare_digest(record.code_hash, _hash(number, purpose, code)):
                record.used_at = now
                problem = ""
            else:
                left = MAX_ATTEMPTS - record.attempts
                problem = (
                    _("Wrong code. %(n)d tries left.") % {"n": left}
                    if left
                    else _("Too many wrong codes. Ask for a new one.")
                )
            record.save(update_fields=["attempts", "used_at"])
    if problem:  # raised after the commit: the counted attempt stays counted
        raise AuthError(problem)


def remember(session, number: str, purpose: str) -> None:
    verified = dict(session.get(SESSION_KEY, {}))
    verified[f"{purpose}:{number}"] = time.time() + VERIFIED_FOR.total_seconds()
    session[SESSION_KEY] = {k: v for k, v in verified.items() if v > time.time()}


def is_verified(session, number: str, purpose: str) -> bool:
    return session.get(SESSION_KEY, {}).get(f"{purpose}:{number}", 0) > time.time()


def proved(session, number: str) -> bool:
    """This visitor proved they hold `number` by a code, for any purpose, within the last 15 minutes."""
    now = time.time()
    return any(key.endswith(f":{number}") and until > now for key, until in session.get(SESSION_KEY, {}).items())
