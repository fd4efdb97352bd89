"""Cart services: the only code that changes carts. Prices are read live from the catalogue;
checkout takes the snapshot."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Offer, OfferVariant
from core.errors import HallError
from numberpool import holds
from numberpool.models import MobileNumber
from orders.cart import pricing as cart_pricing
from orders.models import Cart, CartLine
from promotions import pricing
from promotions.selectors import normalise_code

MAX_LINES = 30


class CartError(HallError):
    """A cart change was refused; the message is for the subscriber."""

    code = "cart_refused"


@dataclass
class PricedLine:
    line: CartLine
    unit_price: Decimal
    unit_list_price: Decimal
    subtotal: Decimal
    saving: Decimal
    needs: str
    problem: str = ""  # why this line cannot be bought as it is (off sale, out of stock)
    number_hold: MobileNumber | None = None  # the live hold on the chosen number of a SIM line


@dataclass
class CartSummary:
    lines: list[PricedLine] = field(default_factory=list)
    list_total: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")  # the offers' own sale prices below list
    total: Decimal = Decimal("0.00")  # to pay, after promotions
    count: int = 0
    quote: pricing.Quote = field(default_factory=pricing.Quote)  # the promotions applied, and refused

    @property
    def promotion_discount(self) -> Decimal:
        return self.quote.discount

    @property
    def needs_input(self) -> bool:
        return any(p.needs for p in self.lines)


def find_cart(user: User | AnonymousUser, token: str | None) -> Cart | None:
    """The cart of this visitor: the user's when signed in, else the anonymous one the token names."""
    if user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    return Cart.objects.filter(token=token, user__isnull=True).first() if token else None


def open_cart(user: User | AnonymousUser, token: str | None) -> Cart:
    """The visitor's cart, made when there is none (an anonymous one gets a fresh token)."""
    if user.is_authenticated:
        return Cart.objects.get_or_create(user=user)[0]
    return find_cart(user, token) or Cart.objects.create(token=secrets.token_hex(16))


def merge_anonymous_cart(token: str | None, user: User) -> None:
    """On sign-in: the anonymous cart the token names merges into the user's cart."""
    anonymous = Cart.objects.filter(token=token, user__isnull=True).first() if token else None
    if anonymous is None:
        return
    mine, _created = Cart.objects.get_or_create(user=user)
    merge_carts(anonymous, mine)


def _check_quantity(offer: Offer, quantity) -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_("Quantity must be a whole number.")) from None
    limit = offer.kind_spec.max_quantity
    if quantity < 1:
        raise CartError(_("Quantity must be at least 1."))
    if quantity > limit:
        raise CartError(_("At most %(limit)d of “%(name)s” per order.") % {"limit": limit, "name": offer.name})
    return quantity


def _buyable_offer(offer_id, city_code=None) -> Offer:
    try:
        offer = Offer.objects.on_sale().get(pk=int(offer_id))
    except (TypeError, ValueError, Offer.DoesNotExist):
        raise CartError(_("This offer is not on sale.")) from None
    if city_code and offer.available_cities and city_code not in offer.available_cities:
        raise CartError(_("“%(name)s” is not available in your city.") % {"name": offer.name})
    return offer


def _variant_for(offer: Offer, variant_id) -> OfferVariant | None:
    variants = offer.variants.all()
    if not variant_id:
        if variants.exists():
            raise CartError(_("Choose a colour / version first."))
        return None
    try:
        return variants.get(pk=int(variant_id))
    except (TypeError, ValueError, OfferVariant.DoesNotExist):
        raise CartError(_("That version of “%(name)s” does not exist.") % {"name": offer.name}) from None


def hold_owner(cart: Cart | None) -> str:
    """Who holds a number chosen in this cart (holds follow the cart through sign-in)."""
    return f"cart:{cart.pk}" if cart else ""


def chosen_numbers(cart: Cart | None) -> list[str]:
    """The numbers the cart's SIM lines name (their holds must outlive choosing another)."""
    if cart is None:
        return []
    return [n for n in cart.lines.values_list("details__number", flat=True) if n]


def add_to_cart(
    cart: Cart, offer_id, quantity=1, variant_id=None, city_code=None, number: str | None = None
) -> CartLine:
    offer = _buyable_offer(offer_id, city_code)
    variant = _variant_for(offer, variant_id)
    quantity = _check_quantity(offer, quantity)
    details = {}
    if number:
        if offer.kind_spec.needs != "number":
            raise CartError(_("“%(name)s” does not take a number.") % {"name": offer.name})
        if holds.current_hold(str(number), hold_owner(cart)) is None:
            raise CartError(_("Your hold on %(number)s has ended. Choose a number again.") % {"number": number})
        details["number"] = str(number)
    with transaction.atomic():
        lock(cart)
        line = CartLine.objects.filter(cart=cart, offer=offer, variant=variant).first()
        if line is None:
            if cart.lines.count() >= MAX_LINES:
                raise CartError(_("Your cart is full (%(max)d lines).") % {"max": MAX_LINES})
            new_quantity = quantity
        elif details:  # a SIM line takes the newly chosen number in place of the old: one card still
            new_quantity = line.quantity
        else:
            new_quantity = _check_quantity(offer, line.quantity + quantity)
        if variant is not None and variant.stock < new_quantity:
            raise CartError(
                _("Only %(stock)d left of “%(name)s” (%(variant)s).")
                % {"stock": variant.stock, "name": offer.name, "variant": variant}
            )
        if city_code and cart.city != city_code:  # city-scoped promotions and budgets follow the shopper
            cart.city = str(city_code)[:20]
        if line is None:
            line = CartLine.objects.create(
                cart=cart, offer=offer, variant=variant, quantity=new_quantity, details=details
            )
        elif details:
            old_number = line.details.get("number")
            line.details = {**line.details, **details}
            line.save(update_fields=["details"])
            if (
                old_number
                and old_number != details["number"]
                and not cart.lines.filter(details__number=old_number).exists()
            ):  # in the same transaction as the swap
                holds.release_one(old_number, hold_owner(cart))
        else:
            line.quantity = new_quantity
            line.save(update_fields=["quantity"])
        cart.save(update_fields=["updated_at", "city"])
    return line


def lock(cart: Cart) -> None:
    """Serialise every change to one cart (two tabs, a sign-in merging carts, double clicks)."""
    if not Cart.objects.select_for_update().filter(pk=cart.pk).exists():
        raise CartError(_("Your cart has changed; please try again."))


def set_quantity(cart: Cart, line_id, quantity) -> CartLine:
    with transaction.atomic():
        lock(cart)
        line = _line(cart, line_id)
        quantity = _check_quantity(line.offer, quantity)
        if line.variant is not None and line.variant.stock < quantity:
            raise CartError(
                _("Only %(stock)d left of “%(name)s” (%(variant)s).")
                % {"stock": line.variant.stock, "name": line.offer.name, "variant": line.variant}
            )
        line.quantity = quantity
        line.save(update_fields=["quantity"])
    return line


def remove_line(cart: Cart, line_id) -> None:
    with transaction.atomic():
        lock(cart)
        _line(cart, line_id).delete()


def _line(cart: Cart, line_id) -> CartLine:
    try:
        return cart.lines.select_related("offer", "variant").get(pk=int(line_id))
    except (TypeError, ValueError, CartLine.DoesNotExist):
        raise CartError(_("That line is no longer in your cart.")) from None


def merge_carts(source: Cart, target: Cart) -> None:
    """Move an anonymous cart's lines into the signed-in subscriber's cart; quantities add up
    to each offer's limit; the anonymous cart goes away."""
    with transaction.atomic():
        for locked in sorted([source, target], key=lambda c: c.pk):  # a fixed order: no deadlock
            lock(locked)
        for line in source.lines.select_related("offer"):
            existing = CartLine.objects.filter(cart=target, offer=line.offer, variant=line.variant).first()
            if existing:
                existing.quantity = min(existing.quantity + line.quantity, line.offer.kind_spec.max_quantity)
                existing.save(update_fields=["quantity"])
            else:
                try:
                    with transaction.atomic():
                        line.cart = target
                        line.save(update_fields=["cart"])
                except IntegrityError:
                    continue
        holds.transfer_holds(hold_owner(source), hold_owner(target))
        if source.promo_codes or (source.city and not target.city):
            target.promo_codes = list(dict.fromkeys([*target.promo_codes, *source.promo_codes]))[:MAX_CODES]
            target.city = target.city or source.city
            target.save(update_fields=["promo_codes", "city", "updated_at"])
        source.delete()


def summarise(cart: Cart | None, who: cart_pricing.Who | None = None) -> CartSummary:
    """The cart priced now: each line live from the catalogue, then its promotions (`who`: the
    buyer as checkout knows them; the cart's owner otherwise)."""
    summary = CartSummary()
    if cart is None:
        return summary
    lines = cart.lines.select_related("offer", "variant").order_by("added_at", "pk")
    on_sale = set(Offer.objects.on_sale().filter(pk__in=[ln.offer_id for ln in lines]).values_list("pk", flat=True))
    for line in lines:
        offer = line.offer
        delta = line.variant.price_delta if line.variant else Decimal("0")
        unit, unit_list = offer.sale_price + delta, offer.list_price + delta
        problem = ""
        if offer.pk not in on_sale:
            problem = _("No longer on sale")
        elif line.variant and line.variant.stock < line.quantity:
            problem = _("Only %(stock)d left") % {"stock": line.variant.stock}
        needs = offer.kind_spec.needs if not line.details.get(offer.kind_spec.needs) else ""
        number_hold = None
        if line.details.get("number"):
            number_hold = holds.current_hold(line.details["number"], hold_owner(cart))
            if number_hold is None and not problem:
                problem, needs = _("The hold on this number has ended: choose a number again"), "number"
            elif number_hold is not None:  # a lucky number's one-off fee is part of the line
                unit, unit_list = unit + number_hold.price, unit_list + number_hold.price
        priced = PricedLine(
            line, unit, unit_list, unit * line.quantity, (unit_list - unit) * line.quantity, needs, problem, number_hold
        )
        summary.lines.append(priced)
        if not problem:
            summary.list_total += unit_list * line.quantity
            summary.total += priced.subtotal
            summary.count += line.quantity
    summary.discount = summary.list_total - summary.total
    if summary.count:
        who = who or cart_pricing.Who(cart.user or AnonymousUser())
        summary.quote = cart_pricing.quote(summary.lines, who, cart.city or None, list(cart.promo_codes))
        summary.total -= summary.quote.discount
    return summary


MAX_CODES = 3


def add_code(cart: Cart, code: str) -> str:
    """The buyer typed a coupon code: kept on the cart (the quote says whether and why it applies)."""
    code = normalise_code(code or "")
    if not code:
        raise CartError(_("Enter a coupon code."))
    with transaction.atomic():
        lock(cart)
        cart.refresh_from_db(fields=["promo_codes"])
        if code not in cart.promo_codes:
            if len(cart.promo_codes) >= MAX_CODES:
                raise CartError(_("At most %(max)d codes per order.") % {"max": MAX_CODES})
            cart.promo_codes = [*cart.promo_codes, code]
            cart.save(update_fields=["promo_codes", "updated_at"])
    return code


def remove_code(cart: Cart, code: str) -> None:
    code = normalise_code(code or "")
    with transaction.atomic():
        lock(cart)
        cart.refresh_from_db(fields=["promo_codes"])
        cart.promo_codes = [c for c in cart.promo_codes if c != code]
        cart.save(update_fields=["promo_codes", "updated_at"])
