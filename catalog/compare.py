"""The visitor's compare list: 2–4 offers of one kind, kept in the session."""

from django.utils.translation import gettext as _

from catalog.models import Offer
from core.errors import HallError

SESSION_KEY = "compare"
MAX_OFFERS = 4


class CompareError(HallError):
    pass


def ids(request) -> list[int]:
    return [i for i in request.session.get(SESSION_KEY, []) if isinstance(i, int)]


def add(request, offer_id) -> None:
    try:
        offer = Offer.objects.on_sale().get(pk=int(offer_id))
    except (TypeError, ValueError, Offer.DoesNotExist):
        raise CompareError(_("This offer is not on sale.")) from None
    current = ids(request)
    if offer.pk in current:
        return
    kinds = set(Offer.objects.filter(pk__in=current).values_list("kind", flat=True))
    if kinds and kinds != {offer.kind}:
        raise CompareError(_("You can only compare offers of one kind. Remove the others first."))
    if len(current) >= MAX_OFFERS:
        raise CompareError(_("You can compare at most %(max)d offers.") % {"max": MAX_OFFERS})
    request.session[SESSION_KEY] = current + [offer.pk]


def remove(request, offer_id) -> None:
    try:
        offer_id = int(offer_id)
    except (TypeError, ValueError):
        return
    request.session[SESSION_KEY] = [i for i in ids(request) if i != offer_id]
