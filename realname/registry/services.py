"""Reserving numbers against an identity's limit, atomically: an advisory lock per (scope, ID)
serialises two parallel orders of one person, so they cannot both pass at 4 of 5."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.errors import HallError
from realname.registry.models import NumberClaim

LIVE = [NumberClaim.Status.RESERVED, NumberClaim.Status.ACTIVE]


class LimitReached(HallError):
    """The message is for the subscriber."""


def scope_of(carrier) -> tuple[str, int]:
    """Where the limit counts, and the limit: the carrier group, or the carrier on its own."""
    if carrier.group_id:
        return f"group:{carrier.group.code}", carrier.group.numbers_per_id
    return f"carrier:{carrier.slug}", 5


def held_count(carrier, id_hash: str) -> int:
    scope, _limit = scope_of(carrier)
    return NumberClaim.objects.filter(scope=scope, id_hash=id_hash, status__in=LIVE).count()


def reserve(carrier, id_hash: str, numbers: list[str], order_ref: str) -> None:
    """Claim `numbers` for the identity, or raise LimitReached. Call inside the order's transaction."""
    scope, limit = scope_of(carrier)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"id-claims:{scope}:{id_hash}"])
        held = NumberClaim.objects.filter(scope=scope, id_hash=id_hash, status__in=LIVE).count()
        if held + len(numbers) > limit:
            raise LimitReached(
                _(
                    "This ID already holds %(held)d numbers with this operator (at most %(limit)d "
                    "per ID, counting orders under way)."
                )
                % {"held": held, "limit": limit}
            )
        NumberClaim.objects.bulk_create(
            [
                NumberClaim(scope=scope, id_hash=id_hash, carrier=carrier.slug, number=n, order_ref=order_ref)
                for n in numbers
            ]
        )


def activate(carrier_slug: str, order_ref: str) -> int:
    return NumberClaim.objects.filter(
        carrier=carrier_slug, order_ref=order_ref, status=NumberClaim.Status.RESERVED
    ).update(status=NumberClaim.Status.ACTIVE)


def release(carrier_slug: str, order_ref: str) -> int:
    return NumberClaim.objects.filter(carrier=carrier_slug, order_ref=order_ref, status__in=LIVE).update(
        status=NumberClaim.Status.RELEASED
    )
