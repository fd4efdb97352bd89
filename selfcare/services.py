"""Changes a subscriber makes to a bound number from 我的 that are not orders (退订 of a service)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from tenants import ports
from tenants.gateways.bss import BssError


class ServiceError(HallError):
    """The message is for the subscriber; nothing was changed."""


def cancel_service(number: str, code: str) -> dt.date:
    """退订 at the BSS, keyed per number, service and day (a double tap cancels once)."""
    bss = ports.bss()
    try:
        service = next((p for p in bss.products(number) if p.code == code and p.cancellable), None)
        if service is None:
            raise ServiceError(_("This service cannot be cancelled here."))
        return bss.cancel_product(number=number, product=code, key=f"cancel:{number}:{code}:{timezone.localdate()}")
    except BssError as exc:
        if exc.transient:
            raise ServiceError(_("The carrier's system did not answer. Please try again in a moment.")) from None
        raise ServiceError(_("This service cannot be cancelled here.")) from None
