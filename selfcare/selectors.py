"""What 我的 shows for each bound number, read from the BSS. Answers are cached per number for a
short, stated time (USAGE_SECONDS) so a page with several numbers stays quick and the BSS is not
asked on every reload; itemised records are never cached (selfcare.records reads them live)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import Http404

from catalog.models import Offer
from orders.checkout import telecom
from subscribers import bindings
from subscribers.models import BoundNumber
from tenants import ports
from tenants.gateways.bss import BroadbandAccount, BssError, PlanChangeQuote, Product, Subscriber, Usage

USAGE_SECONDS = 60  # how stale 我的 may be: the card says "as of" the BSS's own time


@dataclass
class NumberCard:
    number: str
    primary: bool
    subscriber: Subscriber | None = None
    usage: Usage | None = None
    products: tuple[Product, ...] = ()
    broadband: tuple[BroadbandAccount, ...] = ()
    unavailable: bool = False  # the BSS did not answer: the card says so, nothing is guessed
    problems: list[str] = field(default_factory=list)

    @property
    def plan(self) -> Product | None:
        return next((p for p in self.products if p.kind == "plan"), None)

    @property
    def services(self) -> list[Product]:
        return [p for p in self.products if p.kind in ("vas", "addon")]

    @property
    def contract_until(self) -> dt.date | None:
        return self.subscriber.contract_until if self.subscriber else None


def _cached(number: str, what: str, read):  # noqa: ANN001, ANN202 - a reader of the BSS port
    key = f"selfcare:{what}:{number}"
    found = cache.get(key)
    if found is None:
        found = read()
        cache.set(key, found, USAGE_SECONDS)
    return found


def forget(number: str) -> None:
    """After a change made here (a top-up paid, a plan changed, a service cancelled)."""
    what = ("subscriber", "usage", "products", "broadband", "bills")
    cache.delete_many([f"selfcare:{one}:{number}" for one in what])


def card(binding: BoundNumber) -> NumberCard:
    number = binding.number
    bss = ports.bss()
    shown = NumberCard(number, binding.primary)
    try:
        shown.subscriber = _cached(number, "subscriber", lambda: bss.subscriber(number))
        shown.usage = _cached(number, "usage", lambda: bss.usage(number))
        shown.products = _cached(number, "products", lambda: bss.products(number))
        shown.broadband = _cached(number, "broadband", lambda: bss.broadband_accounts(number))
    except BssError:
        shown.unavailable = True
    return shown


def cards(user: User) -> list[NumberCard]:
    """A card per bound number, the primary first. A number the BSS no longer serves is unbound
    (closed or ported out) and drops from the list."""
    shown = []
    for binding in bindings.active(user):
        one = card(binding)
        if not one.unavailable and one.subscriber is None:
            bindings.unbind(user, binding.number, BoundNumber.Unbound.LEFT_CARRIER)
            forget(binding.number)
            continue
        shown.append(one)
    return shown


def bills(number: str) -> tuple:
    """The last six monthly bills (cached like the rest of the card)."""
    return _cached(number, "bills", lambda: ports.bss().bills(number))


def plans_on_sale() -> list[Offer]:
    return list(Offer.objects.on_sale().filter(kind="plan").order_by("sale_price", "pk"))


class PlanChoice(NamedTuple):
    offer: Offer
    quote: PlanChangeQuote
    refusal: str  # why not, in the subscriber's words ("" when allowed)


def plan_choices(number: str) -> list[PlanChoice]:
    """Each plan on sale with what the BSS says of it for this number (CheckoutError: BSS down)."""
    choices = []
    for offer in plans_on_sale():
        quote = telecom.quote_plan(number, offer)
        choices.append(PlanChoice(offer, quote, "" if quote.allowed else telecom.plan_refusal_text(quote)))
    return choices


def own_number(user: User, number: str) -> str:
    """The number if it is bound to this subscriber; anyone else's is not found, never refused."""
    if not bindings.is_bound(user, number):
        raise Http404
    return number


def plan_card(number: str) -> NumberCard:
    """The card of one bound number read for its plan page (not as the primary)."""
    return card(BoundNumber(number=number, primary=False))
