"""Turning a cart (or a top-up request) into an order: the only code that creates orders.

Placing is idempotent (the checkout page's token: a double click or a retried request makes one
order), re-checks prices, stock and number holds under the cart's lock, freezes names and prices
into the order's lines, and passes each number's hold from the cart to the order until the
payment window ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import services as catalog_services
from core.errors import HallError
from core.phone import MOBILE_NUMBER
from integrations import outbox
from numberpool import holds
from orders import discounts
from orders.cart import services as carts
from orders.cart.pricing import Who
from orders.checkout.form import ADDRESS, IDENTITY, SERVICE_NUMBER, CheckoutDetails
from orders.events import Action, record
from orders.models import Cart, Order, OrderKind, OrderLine, Verification
from promotions.pricing import FEE, GOODS
from promotions.reserve import PromotionUnavailable
from realname import crypto, precheck
from realname.models import Identity
from realname.registry import services as registry
from subscribers import bindings
from tenants import ports
from tenants.gateways import current_carrier
from tenants.gateways.bss import BssError

# A number stays the order's a little past the payment window, so a payer who pays in the last
# second still gets it; the closer closes the order at the window's end.
HOLD_GRACE = timedelta(minutes=10)
TOP_UP_PRESETS = (Decimal("30"), Decimal("50"), Decimal("100"), Decimal("200"), Decimal("300"), Decimal("500"))
TOP_UP_MIN, TOP_UP_MAX = Decimal("10"), Decimal("5000")


class CheckoutError(HallError):
    """Placing was refused; the message is for the subscriber. Nothing was written."""

    code = "checkout_refused"
    status = 409


class PricesChanged(CheckoutError):
    pass


class ServiceNumberNotProved(CheckoutError):
    field = "service_number"


def _holds(user: User, number: str, proved: frozenset[str]) -> bool:
    return number in proved or bindings.is_bound(user, number)


class IdentityRejected(CheckoutError):
    """The provider's two-factor check says the name and ID number do not belong together."""

    field = "holder_name"


@dataclass
class CheckoutPlan:
    """What checking out this cart involves: its kind, what to ask, what terms to accept."""

    summary: carts.CartSummary
    kind: str
    needs: set[str]
    terms: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # every SIM in the cart as (number, "180 3704 6966"): each needs its own tick of the agreements
    sims: list[tuple[str, str]] = field(default_factory=list)

    @property
    def payable(self) -> Decimal:
        return self.summary.total

    @property
    def kind_label(self) -> str:
        return str(OrderKind(self.kind).label)


def order_kind(kinds: set[str]) -> str:
    if "sim" in kinds:
        return OrderKind.NEW_SIM
    if "broadband" in kinds:
        return OrderKind.BROADBAND_INSTALL
    if "phone" in kinds:
        return OrderKind.DEVICE
    return OrderKind.ADDON


def needs_for(kind: str, kinds: set[str]) -> set[str]:
    needs = set()
    if kind == OrderKind.NEW_SIM:
        needs |= {IDENTITY, ADDRESS}  # a new number is registered to an ID and posted
    elif kind in (OrderKind.BROADBAND_INSTALL, OrderKind.DEVICE):
        needs.add(ADDRESS)
    if kind != OrderKind.NEW_SIM and kinds & {"addon", "plan"}:
        needs.add(SERVICE_NUMBER)  # add-ons and plans apply to a number: the new one, or theirs
    return needs


def terms_for(summary: carts.CartSummary) -> list[str]:
    terms = []
    for priced in summary.lines:
        hold = priced.number_hold
        if hold is not None and (hold.minimum_spend or hold.contract_months):
            terms.append(
                _("Number %(number)s (%(tier)s): minimum monthly spend ¥%(spend)s for %(months)d months.")
                % {
                    "number": hold.display,
                    "tier": hold.tier or "—",
                    "spend": hold.minimum_spend,
                    "months": hold.contract_months,
                }
            )
        months = priced.line.offer.attributes.get("contract_months") if priced.line.offer.kind == "plan" else 0
        if months:
            terms.append(
                _("%(plan)s: a contract of %(months)d months.") % {"plan": priced.line.offer.name, "months": months}
            )
    return terms


def spaced(number: str) -> str:
    """A mobile number as people read it: 180 3704 6966."""
    return f"{number[:3]} {number[3:7]} {number[7:]}" if len(number) == 11 and number.isdigit() else number


def sims_of(summary: carts.CartSummary) -> list[tuple[str, str]]:
    numbers = (p.line.details.get("number", "") for p in summary.lines if p.line.offer.kind == "sim")
    return [(n, spaced(n)) for n in numbers if n]


def agreements_accepted(plan: CheckoutPlan, details: CheckoutDetails) -> list[str]:
    """What goes on the order for each SIM whose agreements were ticked (the order keeps the words)."""
    return [
        _("Accepted the network access service agreement and the privacy policy for number %(number)s.")
        % {"number": display}
        for number, display in plan.sims
        if number in details.agreements
    ]


def who_from(user: User, details: CheckoutDetails | None) -> Who:
    """The buyer as checkout knows them: the holder's ID (hashed) for a new SIM, the number an
    add-on is for; promotions count once per person by these."""
    if details is None:
        return Who(user)
    id_hash = crypto.lookup_hash(details.holder_id_number) if details.holder_id_number else ""
    return Who(user, id_hash=id_hash, service_number=details.service_number or "")


def plan_checkout(cart: Cart | None, who: Who | None = None) -> CheckoutPlan:
    summary = carts.summarise(cart, who)
    kinds = {p.line.offer.kind for p in summary.lines}
    kind = order_kind(kinds)
    plan = CheckoutPlan(summary, kind, needs_for(kind, kinds), terms_for(summary), sims=sims_of(summary))
    if not summary.lines:
        plan.problems.append(_("Your cart is empty."))
    for priced in summary.lines:
        if priced.problem:
            plan.problems.append(f"{priced.line.offer.name}: {priced.problem}")
        elif priced.needs == "number":
            plan.problems.append(_("%(name)s: choose a number first.") % {"name": priced.line.offer.name})
    return plan


def _payment_window() -> timedelta:
    return timedelta(minutes=current_carrier().payment_window_minutes)


def next_order_number() -> str:
    """YYMMDD + a per-carrier sequence: readable, unique, and no lock shared by every checkout."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('order_number_seq')")
        sequence = cursor.fetchone()[0]
    return f"{timezone.localdate():%y%m%d}{sequence:06d}"


def _identity(details: CheckoutDetails) -> Identity | None:
    if not details.holder_id_number:
        return None
    identity = Identity.seal(details.holder_name, details.holder_id_number)
    identity.save()
    return identity


def _new_order(user: User, kind, key: str, details: CheckoutDetails, payable: Decimal, **totals) -> Order:
    address = {
        k: getattr(details, k)
        for k in ("recipient", "contact_phone", "province", "city", "district", "address_detail", "service_number")
    }
    return Order.objects.create(
        number=next_order_number(),
        user=user,
        kind=kind,
        idempotency_key=key,
        payable=payable,
        payment_due_at=timezone.now() + _payment_window(),
        identity=_identity(details),
        **address,
        **totals,
    )


def _reserve_stock(priced) -> None:
    variant = priced.line.variant
    if variant is None:
        return
    if not catalog_services.take_stock(variant.pk, priced.line.quantity):
        raise CheckoutError(
            _("“%(name)s” (%(variant)s) has just sold out.") % {"name": priced.line.offer.name, "variant": variant}
        )


def _freeze_lines(order: Order, summary: carts.CartSummary, cart: Cart) -> dict:
    """The order's lines, frozen; returns them by (cart line, goods|fee) for the discounts."""
    # Stock first, in variant order: two checkouts sharing variants lock them in the same order.
    for priced in sorted((p for p in summary.lines if p.line.variant_id), key=lambda p: p.line.variant_id or 0):
        _reserve_stock(priced)
    assert order.payment_due_at is not None  # a new order always has its window
    until = order.payment_due_at + HOLD_GRACE
    keyed: dict = {}
    for priced in summary.lines:
        line, offer, hold = priced.line, priced.line.offer, priced.number_hold
        fee = hold.price if hold is not None else Decimal("0")
        goods = OrderLine.objects.create(
            order=order,
            offer=offer,
            variant=line.variant,
            offer_kind=offer.kind,
            name=offer.name,
            detail=str(line.variant or ""),
            number=line.details.get("number", ""),
            quantity=line.quantity,
            unit_price=priced.unit_price - fee,
            unit_list_price=priced.unit_list_price - fee,
            discount=summary.quote.share(line.pk, GOODS),
        )
        if hold is None:
            keyed.update(discounts.line_keys(line.pk, goods, None))
            continue
        if not holds.claim_for_order(hold.number, carts.hold_owner(cart), order.hold_owner, until):
            raise CheckoutError(
                _("Your hold on %(number)s has ended. Choose a number again.") % {"number": hold.display}
            )
        fee_line = OrderLine.objects.create(
            order=order,
            category=OrderLine.Category.NUMBER_FEE,
            offer_kind="number",
            number=hold.number,
            name=_("Number %(number)s") % {"number": hold.display},
            detail=hold.tier,
            unit_price=hold.price,
            unit_list_price=hold.price,
            discount=summary.quote.share(line.pk, FEE),
            terms={
                "tier": hold.tier,
                "minimum_spend": str(hold.minimum_spend),
                "contract_months": hold.contract_months,
            },
        )
        keyed.update(discounts.line_keys(line.pk, goods, fee_line))
    _gift_lines(order, summary)
    return keyed


def _gift_lines(order: Order, summary: carts.CartSummary) -> None:
    """What a promotion gives besides a discount, as ¥0 lines fulfilment acts on: a free add-on
    (switched on with the number) and 话费 credit (paid by the BSS after activation)."""
    for applied in summary.quote.applied:
        if applied.credit:
            OrderLine.objects.create(
                order=order,
                category=OrderLine.Category.GIFT,
                offer_kind="credit",
                name=_("¥%(amount)s 话费 credit after activation") % {"amount": applied.credit},
                detail=applied.reason,
                unit_price=Decimal("0"),
                unit_list_price=Decimal("0"),
                terms={"credit": str(applied.credit), "promotion": applied.promotion.pk},
            )
        gift = applied.promotion.reward_offer if applied.gift_offer_id else None
        if gift is None:
            continue
        OrderLine.objects.create(
            order=order,
            category=OrderLine.Category.GIFT,
            offer=gift,
            offer_kind=gift.kind,
            name=gift.name,
            detail=applied.reason,
            unit_price=Decimal("0"),
            unit_list_price=gift.sale_price,
        )


def _check_identity(user: User, details: CheckoutDetails, key: str) -> str:
    """二要素 before anything is written (a call to the provider must not hold the cart's lock)."""
    if not details.holder_id_number or _existing(key) is not None:
        return ""
    try:
        return precheck.check(details.holder_name, details.holder_id_number, who=f"user:{user.pk}")
    except precheck.IdentityCheckRefused as exc:
        raise IdentityRejected(str(exc)) from None


def _register_identity(order: Order, check: str = "") -> None:
    """One ID, five numbers: claim the order's numbers for the holder (counted across the carrier
    group, in the same transaction), and open the real-name verification the card will wait for."""
    assert order.identity is not None  # only new-SIM orders, which always carry their holder
    carrier = current_carrier()
    numbers = list(order.lines.filter(category=OrderLine.Category.NUMBER_FEE).values_list("number", flat=True))
    try:
        registry.reserve(carrier, order.identity.id_hash, numbers, f"{carrier.slug}:{order.number}")
    except registry.LimitReached as exc:
        raise CheckoutError(str(exc)) from None
    # the real-name check the card will wait for (orders.fulfilment.verification carries it on)
    Verification.objects.get_or_create(order=order, defaults={"identity": order.identity, "precheck": check})


def record_placed(order: Order, user: User, **detail) -> None:
    """The first event of every order's timeline."""
    record(
        order,
        Action.PLACED,
        actor=user,
        actor_label="subscriber",
        to_status=order.status,
        data={"payable": str(order.payable), "kind": order.kind, **detail},
    )
    outbox.emit("order.created", "order", order.pk, order)


def _existing(key: str) -> Order | None:
    return Order.objects.filter(idempotency_key=key).first()


def placed_with(user: User, token: str) -> Order | None:
    """The order this subscriber already placed with this checkout token (a repeated submit)."""
    return _existing(f"{user.pk}:{token}") if token else None


def _once(key: str, make) -> Order:
    """Run `make` in a transaction unless an order with this key exists; two parallel requests
    with one key make one order (the loser's insert fails on the unique key, then finds it)."""
    if (order := _existing(key)) is not None:
        return order
    try:
        with transaction.atomic():
            return make()
    except IntegrityError:
        if (order := _existing(key)) is not None:
            return order
        raise


def _as_is(order: Order) -> None:
    """Nothing more to record while placing (the shop's own checkout)."""


def place_from_cart(
    user: User,
    cart: Cart,
    details: CheckoutDetails,
    *,
    token: str,
    expected_total: Decimal,
    proved: frozenset[str] = frozenset(),
    placing: Callable[[Order], None] | None = None,
) -> Order:
    """Place the cart as one order, or return the order this token already placed. Add-ons and plans
    apply to a number its holder proved: bound to the account, or confirmed by a code (`proved`).
    `placing(order)` runs in the order's transaction before it is recorded as placed (a channel's
    record of it, which the order's first event then carries)."""
    key = f"{user.pk}:{token}"
    check = _check_identity(user, details, key)
    who = who_from(user, details)

    def make():
        try:
            carts.lock(cart)  # a second click waits here, then finds the first click's order
        except carts.CartError as exc:
            raise CheckoutError(str(exc)) from None
        if (order := _existing(key)) is not None:
            return order
        plan = plan_checkout(cart, who)
        if plan.problems:
            raise CheckoutError(" ".join(plan.problems))
        if plan.payable != Decimal(expected_total):
            why = " ".join(f"{name}: {reason}" for name, reason in plan.summary.quote.refused)
            raise PricesChanged(
                _("Prices in your cart have changed (now ¥%(total)s). Please check them again.")
                % {"total": plan.payable}
                + (f" {why}" if why else "")
            )
        if plan.terms and not details.accept_terms:
            raise CheckoutError(_("Please read and accept the terms above."))
        if SERVICE_NUMBER in plan.needs and not _holds(user, details.service_number, proved):
            raise ServiceNumberNotProved(
                _(
                    "Only the holder of %(number)s may change what it has: bind it under 我的 with a code "
                    "first, then come back to check out."
                )
                % {"number": details.service_number}
            )
        if {number for number, _shown in plan.sims} - set(details.agreements):  # every way in, not only the form
            raise CheckoutError(
                _(
                    "Please read and accept the network access service agreement and the privacy "
                    "policy for every SIM card."
                )
            )
        summary = plan.summary
        deposit = sum((p.number_hold.price * p.line.quantity for p in summary.lines if p.number_hold), Decimal("0"))
        # goods at list price; payable = goods − discount + number fees and deposits
        order = _new_order(
            user,
            plan.kind,
            key,
            details,
            plan.payable,
            goods_total=summary.list_total - deposit,
            deposit_total=deposit,
            discount_total=summary.discount + summary.promotion_discount,
            terms_accepted=plan.terms + agreements_accepted(plan, details),
        )
        keyed = _freeze_lines(order, summary, cart)
        if order.identity is not None:
            _register_identity(order, check)
        cart.lines.all().delete()
        if cart.promo_codes:
            cart.promo_codes = []
            cart.save(update_fields=["promo_codes"])
        try:  # last: the budget rows stay locked only until this transaction commits
            discounts.reserve(order, summary.quote, keyed, person=who.person(plan.kind), city=cart.city)
        except PromotionUnavailable as exc:
            raise PricesChanged(
                _("%(why)s The price has been worked out again without it; please check it.") % {"why": exc.message},
                exc.code,
            ) from None
        (placing or _as_is)(order)
        record_placed(order, user, **({"discounts": str(summary.promotion_discount)} if summary.quote.applied else {}))
        return order

    return _once(key, make)


def clean_top_up_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        raise CheckoutError(_("Enter the amount in whole yuan.")) from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise CheckoutError(_("Enter the amount in whole yuan."))
    if not TOP_UP_MIN <= amount <= TOP_UP_MAX:
        raise CheckoutError(_("Top up between ¥%(low)s and ¥%(high)s.") % {"low": TOP_UP_MIN, "high": TOP_UP_MAX})
    return amount.quantize(Decimal("0.01"))


def place_top_up(user: User, number: str, amount, *, token: str) -> Order:
    """A top-up: credit `amount` to `number` (the carrier's BSS checks the number when it is credited)."""
    amount = clean_top_up_amount(amount)
    if not MOBILE_NUMBER.match(number or ""):
        raise CheckoutError(_("Enter an 11-digit mainland mobile number."))
    try:
        served = ports.bss().subscriber(number)
    except BssError:
        raise CheckoutError(_("The carrier's system did not answer. Please try again in a moment.")) from None
    if served is None:
        raise CheckoutError(_("%(number)s is not a number of this carrier.") % {"number": number})
    key = f"{user.pk}:{token}"

    def make():
        order = _new_order(
            user, OrderKind.TOP_UP, key, CheckoutDetails(service_number=number), amount, goods_total=amount
        )
        OrderLine.objects.create(
            order=order,
            offer_kind="top_up",
            name=_("Top-up"),
            number=number,
            detail=number,
            unit_price=amount,
            unit_list_price=amount,
        )
        record_placed(order, user)
        return order

    return _once(key, make)
