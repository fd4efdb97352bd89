"""The visitor's compare list: 2–4 offers of one kind, kept in their session (passed in: this
module knows sessions, not requests)."""

import re
from collections.abc import MutableMapping
from typing import Any

from django.utils.translation import gettext as _

from catalog.models import Offer
from core.errors import HallError

SESSION_KEY = "compare"
MAX_OFFERS = 4


class CompareError(HallError):
    pass


def ids(session: MutableMapping[str, Any]) -> list[int]:
    return [i for i in session.get(SESSION_KEY, []) if isinstance(i, int)]


def add(session: MutableMapping[str, Any], offer_id: object) -> None:
    try:
        offer = Offer.objects.on_sale().get(pk=int(str(offer_id)))
    except (TypeError, ValueError, Offer.DoesNotExist):
        raise CompareError(_("This offer is not on sale.")) from None
    current = ids(session)
    if offer.pk in current:
        return
    kinds = set(Offer.objects.filter(pk__in=current).values_list("kind", flat=True))
    if kinds and kinds != {offer.kind}:
        raise CompareError(_("You can only compare offers of one kind. Remove the others first."))
    if len(current) >= MAX_OFFERS:
        raise CompareError(_("You can compare at most %(max)d offers.") % {"max": MAX_OFFERS})
    session[SESSION_KEY] = current + [offer.pk]


def remove(session: MutableMapping[str, Any], offer_id: object) -> None:
    try:
        gone = int(str(offer_id))
    except (TypeError, ValueError):
        return
    session[SESSION_KEY] = [i for i in ids(session) if i != gone]


SLOT = re.compile(r"<!--compare:(\d+)-->(.*?)<!--or-->(.*?)<!--/compare-->", re.S)


def fill(html: str, ids) -> str:
    """Cached pages carry both states of each offer's compare control; keep this visitor's."""
    chosen = set(ids)
    return SLOT.sub(lambda m: m[3] if int(m[1]) in chosen else m[2], html)
