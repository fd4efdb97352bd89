"""Signing in and up with an SMS code. One flow for both, so the page never says whether a number
has an account: the visitor types a number, gets a code, and proving it signs them in to the
number's account (made on the spot when there is none). Accounts made before codes existed keep
their passwords; whoever proves such an account's number by code gets the number: the unproven
account keeps its orders and loses the number (its sign-in name moves aside)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from core.tenancy import current_schema
from subscribers import bindings
from subscribers.models import BoundNumber, SignInProof
from tenants import ports
from tenants.gateways.bss import BssError

PURPOSE = "sign-in"


class SignInRefused(HallError):
    """The message is for the visitor."""


def _lock(number: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{current_schema()}:sign-in:{number}"])


def account_for(number: str) -> User:
    """The account of a number just proved by code (the caller verified the code)."""
    with transaction.atomic():
        _lock(number)
        # the account signed in as this number first, else the one the number is bound to
        user = _by_sign_in_name(number)
        if user is None:
            holder = BoundNumber.objects.filter(number=number, unbound_at__isnull=True).select_related("user").first()
            user = holder.user if holder is not None else None
        if user is None:
            user = User.objects.create_user(username=number)  # no password: codes sign in; one may be set later
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if user.is_staff or user.is_superuser:
            raise SignInRefused(_("This number cannot sign in to the shop."))
        if user.username == number:  # the proof is of the account's sign-in name
            SignInProof.objects.update_or_create(user=user, defaults={"number": number, "proved_at": timezone.now()})
        if _served(number):
            bindings.bind(user, number, BoundNumber.Proof.CODE)
    return user


def _by_sign_in_name(number: str) -> User | None:
    """The account signed in as `number`, if its holder ever proved it; an unproven one loses the name."""
    user = User.objects.select_for_update().filter(username=number).first()
    if user is None:
        return None
    proof = SignInProof.objects.filter(user=user).first()
    if proof is not None and proof.number == number:
        return user
    if user.is_staff or user.is_superuser:
        raise SignInRefused(_("This number cannot sign in to the shop."))
    User.objects.filter(pk=user.pk).update(username=f"{number}~unproven-{user.pk}")  # keeps its orders
    SignInProof.objects.filter(number=number).delete()
    return None


def _served(number: str) -> bool:
    """Is it a number of this carrier (then it is bound too)? A BSS that does not answer: not now."""
    try:
        served = ports.bss().subscriber(number)
    except BssError:
        return False
    return served is not None and served.status not in bindings.GONE


def prove_own_number(user: User) -> None:
    """A password account's holder proved its sign-in number by code (from 我的): it is proved now."""
    SignInProof.objects.update_or_create(user=user, defaults={"number": user.username, "proved_at": timezone.now()})
