"""The one code step of every flow that texts a code to a number (sign-in, binding a number,
deposit-for-credit, broadband renewal, itemised records): what is pending lives in the session, so
a reload keeps the step; the step shows only after a code was really sent (an error and "code
sent" never appear together); the subscriber can ask again after the wait or change the number;
a code that is not six digits is refused without using one of the five tries."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _

from core import ratelimit
from core.phone import mask_phone
from subscribers import bindings, codes

CODES_PER_IP_PER_HOUR = 10
# Different numbers one caller (address, session or account) may have codes texted to per hour:
# a family's numbers, not a sweep of other people's broadband accounts.
CODE_RECIPIENTS_PER_CALLER_PER_HOUR = 3
CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class CodeStep:
    purpose: str  # the code's purpose: "sign-in", "bind", "deposit", "broadband", "records"
    session_key: str  # where this flow keeps what it is waiting for
    served_only: bool = True  # only numbers the carrier serves (signing in is open to any number)
    # a number bound to the signed-in account needs no code (its binding is the proof); never for a
    # second check such as itemised records
    skip_when_bound: bool = False

    def pending(self, request: HttpRequest) -> dict:
        """{"number", "sent_at", ...extra} of the code sent and not yet confirmed, or {}."""
        value = request.session.get(self.session_key) or {}
        if isinstance(value, str):  # sessions from before this module kept the bare number
            value = {"number": value, "sent_at": 0}
        return value

    def number(self, request: HttpRequest) -> str:
        return self.pending(request).get("number", "")

    def verified(self, request: HttpRequest) -> bool:
        number = self.number(request)
        return bool(number) and codes.is_verified(request.session, number, self.purpose)

    def send(self, request: HttpRequest, number: str, **extra) -> str:
        """Text a code to `number`; "" when sent (the step is then pending), else why not. A number
        bound to the account is confirmed at once where the flow allows it (`skip_when_bound`)."""
        if self.skip_when_bound and bindings.is_bound(request.user, number):
            codes.remember(request.session, number, self.purpose)
            request.session[self.session_key] = {"number": number, "sent_at": 0, **extra}
            return ""
        error = _send(request, number, self.purpose, self.served_only)
        if not error:
            request.session[self.session_key] = {"number": number, "sent_at": time.time(), **extra}
        return error

    def resend(self, request: HttpRequest) -> str:
        pending = self.pending(request)
        if not pending:
            return _("Enter the number first.")
        extra = {k: v for k, v in pending.items() if k not in ("number", "sent_at")}
        return self.send(request, pending["number"], **extra)

    def change(self, request: HttpRequest) -> None:
        """Another number: forget the pending one (and that it was confirmed here)."""
        request.session.pop(self.session_key, None)

    def verify(self, request: HttpRequest, code: str) -> str:
        pending = self.pending(request)
        if not pending:
            return _("Ask for a code first.")
        code = (code or "").strip()
        if not CODE.match(code):  # a slip of the keyboard is not a wrong code: no try is used
            return _("The code is the 6 digits in the text message.")
        try:
            codes.verify_code(pending["number"], self.purpose, code)
        except codes.AuthError as exc:
            return str(exc)
        codes.remember(request.session, pending["number"], self.purpose)
        return ""

    def act(self, request: HttpRequest, action: str | None) -> str | None:
        """The step's own buttons (send again, change the number, confirm the code): the error, or
        "" when done; None when `action` is not one of them."""
        if action == "resend":
            return self.resend(request)
        if action == "change":
            self.change(request)
            return ""
        if action == "verify":
            return self.verify(request, request.POST.get("code", ""))
        return None

    def context(self, request: HttpRequest) -> dict:
        """What the code-step template needs; `code_step` only while a sent code waits."""
        pending = self.pending(request)
        if not pending or self.verified(request):
            return {"code_step": False}
        resend_at = pending.get("sent_at", 0) + codes.RESEND_AFTER.total_seconds()
        return {
            "code_step": True,
            "masked": mask_phone(pending["number"]),
            "resend_in": max(0, int(resend_at - time.time()) + 1) if resend_at > time.time() else 0,
            "resend_at": resend_at,
        }


def _send(request: HttpRequest, number: str, purpose: str, served_only: bool = True) -> str:
    """Send a code (limits per caller here; per number in the service). Returns an error or ""."""
    if not ratelimit.allow(request, "sms-code", CODES_PER_IP_PER_HOUR, window_seconds=3600):
        return _("Too many codes requested from here. Please try again later.")
    if not ratelimit.allow_distinct(request, "sms-code-recipients", number, CODE_RECIPIENTS_PER_CALLER_PER_HOUR):
        return _("Codes were sent to too many different numbers from here. Please try again in an hour.")
    try:
        codes.send_code(number, purpose, served_only=served_only)
    except codes.AuthError as exc:
        return str(exc)
    return ""
