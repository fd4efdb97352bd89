"""Itemised records (详单): personal data of the holder and of everyone they called. Behind a
second check (a code to the number in the last 15 minutes, whatever it was for: binding it a
moment ago is as fresh a proof as a code sent now), read live from the BSS (never
cached), never logged, the other party's number masked, at most READS_PER_HOUR reads per number,
and every read audited (subscribers.RecordsRead)."""

from __future__ import annotations

import re
import time

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core import ratelimit
from core.errors import HallError
from core.phone import mask_phone
from core.tenancy import current_schema
from subscribers.models import RecordsRead
from tenants import ports
from tenants.gateways.bss import Record

PURPOSE = "records"
READS_PER_HOUR = 20
PERIOD = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")
KINDS = {"", "call", "sms", "data"}


class RecordsRefused(HallError):
    status = 429


def read(user: User, number: str, period: str, kind: str, via: str) -> list[Record]:
    """The month's records, the other party masked; the caller checked the binding and the code."""
    if not PERIOD.match(period) or kind not in KINDS:
        raise HallError(_("Choose a month and a kind of record from the list."), "bad_period")
    hour = int(time.time() // 3600)
    if ratelimit.count(f"hall:records:{current_schema()}:{number}:{hour}", 3605) > READS_PER_HOUR:
        raise RecordsRefused(_("Too many look-ups of itemised records for this number. Please try again later."))
    found = ports.bss().records(number, period, kind)
    RecordsRead.objects.create(user=user, number=number, month=period, via=via)
    return [
        Record(r.at, r.kind, r.direction, mask_phone(r.counterpart) if r.counterpart else "", r.quantity, r.amount)
        for r in found
    ]
