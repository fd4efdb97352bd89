"""Holding numbers. One conditional UPDATE decides who gets a number (available, or held with
an expired hold) — never read-then-write — so two buyers can never both hold or buy it."""
from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import MobileNumber

DEFAULT_HOLD_MINUTES = 15
DEFAULT_MAX_HOLDS = 1


class NumberTaken(Exception):
    """Someone else holds or bought the number a moment ago."""

    def __init__(self, number: str):
        self.number = number
        super().__init__(_("The number %(number)s was just taken by someone else.") % {"number": number})


def _takeable(now):
    return Q(status=MobileNumber.Status.AVAILABLE) | Q(status=MobileNumber.Status.HELD, held_until__lt=now)


def hold(number: str, owner: str, minutes: int = DEFAULT_HOLD_MINUTES,
         max_holds: int = DEFAULT_MAX_HOLDS) -> MobileNumber:
    """Hold `number` for `owner`. Holding again keeps the first expiry; holding beyond
    `max_holds` releases the owner's oldest holds."""
    now = timezone.now()
    with transaction.atomic():
        mine = MobileNumber.objects.filter(number=number, hold_owner=owner, status=MobileNumber.Status.HELD,
                                           held_until__gt=now).first()
        if mine is not None:
            return mine
        won = MobileNumber.objects.filter(_takeable(now), number=number).update(
            status=MobileNumber.Status.HELD, hold_owner=owner, held_until=now + timedelta(minutes=minutes),
            updated_at=now)
        if not won:
            raise NumberTaken(number)
        others = list(MobileNumber.objects.filter(hold_owner=owner, status=MobileNumber.Status.HELD)
                      .exclude(number=number).order_by("-held_until").values_list("pk", flat=True))
        surplus = others[max(max_holds - 1, 0):]
        if surplus:
            release_ids(surplus, owner)
        return MobileNumber.objects.get(number=number)


def release_ids(ids, owner: str) -> int:
    return MobileNumber.objects.filter(pk__in=ids, hold_owner=owner, status=MobileNumber.Status.HELD).update(
        status=MobileNumber.Status.AVAILABLE, hold_owner="", held_until=None, updated_at=timezone.now())


def release(number: str, owner: str) -> bool:
    return bool(MobileNumber.objects.filter(number=number, hold_owner=owner, status=MobileNumber.Status.HELD)
                .update(status=MobileNumber.Status.AVAILABLE, hold_owner="", held_until=None,
                        updated_at=timezone.now()))


def current_hold(number: str, owner: str) -> MobileNumber | None:
    """The owner's live hold on `number`, or None (expired, released, taken)."""
    return MobileNumber.objects.filter(number=number, hold_owner=owner, status=MobileNumber.Status.HELD,
                                       held_until__gt=timezone.now()).first()


def transfer_holds(old_owner: str, new_owner: str) -> int:
    """A signed-in visitor's anonymous cart merges into their own: its holds follow."""
    return MobileNumber.objects.filter(hold_owner=old_owner, status=MobileNumber.Status.HELD).update(
        hold_owner=new_owner)


def sell(number: str, owner: str) -> bool:
    """Paid: the owner's live hold becomes a sale, exactly once."""
    now = timezone.now()
    return bool(MobileNumber.objects.filter(number=number, hold_owner=owner, status=MobileNumber.Status.HELD,
                                            held_until__gt=now)
                .update(status=MobileNumber.Status.SOLD, sold_at=now, held_until=None, updated_at=now))


def sweep_expired() -> int:
    """Release every expired hold (beat runs this; holds are also taken over when expired)."""
    now = timezone.now()
    return MobileNumber.objects.filter(status=MobileNumber.Status.HELD, held_until__lt=now).update(
        status=MobileNumber.Status.AVAILABLE, hold_owner="", held_until=None, updated_at=now)


def withdraw(ids) -> int:
    return MobileNumber.objects.filter(pk__in=ids, status=MobileNumber.Status.AVAILABLE).update(
        status=MobileNumber.Status.WITHDRAWN, updated_at=timezone.now())


def restore(ids) -> int:
    return MobileNumber.objects.filter(pk__in=ids, status=MobileNumber.Status.WITHDRAWN).update(
        status=MobileNumber.Status.AVAILABLE, updated_at=timezone.now())
