"""Holding numbers. One conditional UPDATE decides who gets a number (available, or held with
an expired hold) — never read-then-write — so two buyers can never both hold or buy it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from numberpool.models import MobileNumber

DEFAULT_HOLD_MINUTES = 15
DEFAULT_MAX_HOLDS = 1


class NumberTaken(HallError):
    """Someone else holds or bought the number a moment ago."""

    code = "number_taken"
    status = 409

    def __init__(self, number: str):
        self.number = number
        super().__init__(_("The number %(number)s was just taken by someone else.") % {"number": number})


# One statement: take the number if it is free (or its hold expired) and, only if that worked,
# release the owner's older holds beyond the limit; or find it already held by this owner.
# Round trips are what a flash sale costs.
HOLD_SQL = """
WITH won AS (
    UPDATE catalog_mobilenumber
       SET status = 'held', hold_owner = %(owner)s, updated_at = now(),
           held_until = now() + make_interval(mins => %(minutes)s)
     WHERE number = %(number)s
       AND (status = 'available' OR (status = 'held' AND held_until < now()))
 RETURNING *
), surplus AS (
    SELECT id FROM catalog_mobilenumber
     WHERE hold_owner = %(owner)s AND status = 'held' AND number <> %(number)s AND EXISTS (SELECT 1 FROM won)
       AND number <> ALL(%(protected)s::varchar[])  -- still named by a cart line: its swap releases it
     ORDER BY held_until DESC OFFSET %(keep)s
), released AS (
    UPDATE catalog_mobilenumber
       SET status = 'available', hold_owner = '', held_until = NULL, updated_at = now()
     WHERE id IN (SELECT id FROM surplus)
)
SELECT * FROM won
UNION ALL  -- already this owner's: returned as it is, keeping its first expiry
SELECT * FROM catalog_mobilenumber
 WHERE number = %(number)s AND hold_owner = %(owner)s AND status = 'held' AND held_until > now()
   AND NOT EXISTS (SELECT 1 FROM won)
"""


def hold(
    number: str,
    owner: str,
    minutes: int = DEFAULT_HOLD_MINUTES,
    max_holds: int = DEFAULT_MAX_HOLDS,
    protected: list[str] | tuple = (),
) -> MobileNumber:
    """Hold `number` for `owner`. Holding again keeps the first expiry; holding beyond
    `max_holds` releases the owner's oldest holds, except the `protected` ones (numbers a cart
    line still names: the line keeps a live hold until it takes the new number)."""
    params = {
        "owner": owner,
        "minutes": minutes,
        "number": number,
        "keep": max(max_holds - 1, 0),
        "protected": list(protected),
    }
    held = list(MobileNumber.objects.raw(HOLD_SQL, params))
    if not held:
        raise NumberTaken(number)
    return held[0]


def current_hold(number: str, owner: str) -> MobileNumber | None:
    """The owner's live hold on `number`, or None (expired, released, taken)."""
    return MobileNumber.objects.filter(
        number=number, hold_owner=owner, status=MobileNumber.Status.HELD, held_until__gt=timezone.now()
    ).first()


def transfer_holds(old_owner: str, new_owner: str) -> int:
    """A signed-in visitor's anonymous cart merges into their own: its holds follow."""
    return MobileNumber.objects.filter(hold_owner=old_owner, status=MobileNumber.Status.HELD).update(
        hold_owner=new_owner
    )


def sell(number: str, owner: str) -> bool:
    """Paid: the owner's hold becomes a sale, exactly once. A hold past its expiry still counts
    while nobody took the number over (taking over changes the owner in the same statement)."""
    now = timezone.now()
    return bool(
        MobileNumber.objects.filter(number=number, hold_owner=owner, status=MobileNumber.Status.HELD).update(
            status=MobileNumber.Status.SOLD, sold_at=now, held_until=None, updated_at=now
        )
    )


def claim_for_order(number: str, cart_owner: str, order_owner: str, until) -> bool:
    """Placing an order: the cart's live hold passes to the order and lasts until `until`."""
    return bool(
        MobileNumber.objects.filter(
            number=number, hold_owner=cart_owner, status=MobileNumber.Status.HELD, held_until__gt=timezone.now()
        ).update(hold_owner=order_owner, held_until=until, updated_at=timezone.now())
    )


def release(owner: str, cooloff_minutes: int = 0) -> list[str]:
    """A cancelled or closed unpaid order gives its held numbers back: after a cool-off (`held_until` then
    says when the number returns to the pool), or at once."""
    now = timezone.now()
    numbers = MobileNumber.objects.filter(hold_owner=owner, status=MobileNumber.Status.HELD)  # never a sold one
    released = list(numbers.values_list("number", flat=True))
    if cooloff_minutes > 0:
        numbers.update(
            status=MobileNumber.Status.COOLING,
            hold_owner="",
            updated_at=now,
            held_until=now + timedelta(minutes=cooloff_minutes),
        )
    else:
        numbers.update(status=MobileNumber.Status.AVAILABLE, hold_owner="", held_until=None, updated_at=now)
    return released


def release_one(number: str, owner: str) -> bool:
    """The owner lets one held number go (another number took its place in the cart)."""
    return bool(
        MobileNumber.objects.filter(number=number, hold_owner=owner, status=MobileNumber.Status.HELD).update(
            status=MobileNumber.Status.AVAILABLE, hold_owner="", held_until=None, updated_at=timezone.now()
        )
    )


def recycle(number: str, owner: str, cooloff: timedelta) -> bool:
    """A sold card that is cancelled or never verified: its number rests, then returns."""
    now = timezone.now()
    return bool(
        MobileNumber.objects.filter(number=number, hold_owner=owner, status=MobileNumber.Status.SOLD).update(
            status=MobileNumber.Status.COOLING, hold_owner="", sold_at=None, updated_at=now, held_until=now + cooloff
        )
    )


def sweep_expired() -> int:
    """Release every expired hold and end every finished cool-off (beat runs this; holds are
    also taken over when expired)."""
    now = timezone.now()
    return MobileNumber.objects.filter(
        status__in=[MobileNumber.Status.HELD, MobileNumber.Status.COOLING], held_until__lt=now
    ).update(status=MobileNumber.Status.AVAILABLE, hold_owner="", held_until=None, updated_at=now)


def withdraw(ids) -> int:
    return MobileNumber.objects.filter(pk__in=ids, status=MobileNumber.Status.AVAILABLE).update(
        status=MobileNumber.Status.WITHDRAWN, updated_at=timezone.now()
    )


def restore(ids) -> int:
    return MobileNumber.objects.filter(pk__in=ids, status=MobileNumber.Status.WITHDRAWN).update(
        status=MobileNumber.Status.AVAILABLE, updated_at=timezone.now()
    )
