"""Numbers bound to a subscriber's account. A number is bound with its proof (an SMS code, or
having bought and activated it here), to one account at a time: whoever proves it last holds it,
because the SIM in their hand is the proof. A number the carrier no longer serves (closed, ported
out) is unbound when the BSS says so."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from core.phone import is_mobile_number
from core.tenancy import current_schema
from subscribers.models import BoundNumber
from tenants import ports
from tenants.gateways.bss import BssError

GONE = {"closed"}  # what the BSS calls a number that left (closed or ported out)


class BindingError(HallError):
    """The message is for the subscriber; nothing was changed."""


def active(user: User) -> QuerySet[BoundNumber]:
    """The account's bound numbers, the primary first."""
    return BoundNumber.objects.filter(user=user, unbound_at__isnull=True).order_by("-primary", "proved_at", "pk")


def numbers_of(user: User | AnonymousUser) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(active(user).values_list("number", flat=True))


def is_bound(user: User | AnonymousUser, number: str) -> bool:
    return bool(user.is_authenticated and active(user).filter(number=number).exists())


def _lock_number(number: str) -> None:
    with connection.cursor() as cursor:  # one binding change per number at a time
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{current_schema()}:bind:{number}"])


def bind(user: User, number: str, proof: str) -> BoundNumber:
    """Bind a proved number to the account (the caller has checked the proof). Taken from another
    account that held it; the account's first number becomes its primary."""
    if not is_mobile_number(number):
        raise BindingError(_("Enter an 11-digit mobile number."))
    now = timezone.now()
    with transaction.atomic():
        _lock_number(number)
        held = BoundNumber.objects.filter(number=number, unbound_at__isnull=True).first()
        if held is not None and held.user_id == user.pk:
            return held
        if held is not None:
            BoundNumber.objects.filter(pk=held.pk).update(
                unbound_at=now, unbound_why=BoundNumber.Unbound.PROVED_ELSEWHERE, primary=False
            )
            _promote_next(held.user_id)
        User.objects.select_for_update().filter(pk=user.pk).first()  # one primary, even for two binds at once
        first = not active(user).exists()
        return BoundNumber.objects.create(user=user, number=number, proof=proof, proved_at=now, primary=first)


def _promote_next(user_id: int) -> None:
    remaining = BoundNumber.objects.filter(user_id=user_id, unbound_at__isnull=True).order_by("proved_at", "pk")
    if remaining.exists() and not remaining.filter(primary=True).exists():
        BoundNumber.objects.filter(pk=remaining.values_list("pk", flat=True)[0]).update(primary=True)


def unbind(user: User, number: str, why: str = BoundNumber.Unbound.BY_SUBSCRIBER) -> None:
    with transaction.atomic():
        _lock_number(number)
        User.objects.select_for_update().filter(pk=user.pk).first()
        if not BoundNumber.objects.filter(user=user, number=number, unbound_at__isnull=True).update(
            unbound_at=timezone.now(), unbound_why=why, primary=False
        ):
            raise BindingError(_("%(number)s is not bound to your account.") % {"number": number})
        _promote_next(user.pk)


def make_primary(user: User, number: str) -> None:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if not active(user).filter(number=number).exists():
            raise BindingError(_("%(number)s is not bound to your account.") % {"number": number})
        active(user).update(primary=False)
        active(user).filter(number=number).update(primary=True)


def drop_departed(user: User) -> list[str]:
    """Unbind the account's numbers the carrier no longer serves (closed or ported out, as the BSS
    says); a BSS that does not answer changes nothing."""
    gone: list[str] = []
    for number in numbers_of(user):
        try:
            served = ports.bss().subscriber(number)
        except BssError:
            return gone
        if served is None or served.status in GONE:
            unbind(user, number, BoundNumber.Unbound.LEFT_CARRIER)
            gone.append(number)
    return gone


def sweep_departed() -> int:
    """Beat: every account's numbers that left the carrier are unbound."""
    users = User.objects.filter(bound_numbers__unbound_at__isnull=True).distinct()
    return sum(len(drop_departed(user)) for user in users.iterator())
