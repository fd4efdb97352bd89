"""An order's promotions through its life: reserved with the order (in its transaction), redeemed
when it is paid, given back when it closes unpaid, is cancelled or refunded (a refund of some lines
gives back their part), and a sweeper for any reservation an order no longer explains."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import Order, OrderDiscount, OrderLine
from orders.models import OrderStatus as S
from promotions import reserve as counted
from promotions.models import Redemption
from promotions.pricing import FEE, GOODS, Quote
from tenants.gateways import current_carrier

ENDED = {S.CANCELLED, S.CLOSED_UNPAID, S.REFUNDED}
SOLD = {S.PAID, S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED, S.COMPLETED, S.NEEDS_ATTENTION, S.REFUNDING}


def ref(order: Order) -> str:
    """The order as promotions know it (promotions sit below orders and never import them)."""
    return f"{current_carrier().slug}:{order.number}"


def reserve(order: Order, quote: Quote, lines: dict[tuple[int, str], OrderLine], *, person: str, city: str) -> None:
    """Take what the quote's promotions count, and write the order's discount lines. Call last in
    the order's transaction: a refusal (PromotionUnavailable) rolls the whole order back."""
    if not quote.applied:
        return
    counted.reserve(quote.applied, order_ref=ref(order), user_id=order.user_id, person=person, city=city)
    rows = []
    for applied in quote.applied:
        shares: dict[str, str] = {}
        for key, amount in applied.shares.items():
            line = lines[key]
            shares[str(line.pk)] = str(Decimal(shares.get(str(line.pk), "0")) + amount)
        rows.append(
            OrderDiscount(
                order=order,
                promotion=applied.promotion,
                name=applied.reason,
                code=applied.code,
                klass=applied.promotion.klass,
                amount=applied.amount,
                credit=applied.credit,
                shares=shares,
            )
        )
    OrderDiscount.objects.bulk_create(rows)  # the lines were made with their part (the same quote)


def line_keys(cart_line_id: int, goods: OrderLine, fee: OrderLine | None) -> dict[tuple[int, str], OrderLine]:
    keys = {(cart_line_id, GOODS): goods}
    if fee is not None:
        keys[(cart_line_id, FEE)] = fee
    return keys


def confirm(order: Order) -> None:
    """Reaction to PAID: the order's reservations are redemptions for good."""
    counted.confirm(ref(order))


def release(order: Order) -> None:
    """The order ended without keeping what it bought: its promotions give everything back."""
    counted.release(ref(order))


def release_lines(order: Order, line_ids: list[int]) -> Decimal:
    """Some lines of the order were refunded: each promotion gives its money budget back the part of
    its discount that sat on those lines (as it was spread at checkout)."""
    wanted = {str(pk) for pk in line_ids}
    shares: dict[int, Decimal] = {}
    for discount in order.discounts.exclude(promotion=None):
        part = sum((Decimal(v) for k, v in discount.shares.items() if k in wanted), Decimal("0"))
        if part and discount.promotion_id is not None:
            shares[discount.promotion_id] = part
    return counted.release_share(ref(order), shares) if shares else Decimal("0")


def refund_for_lines(order: Order, line_ids: list[int]) -> Decimal:
    """What a refund of these lines pays back: what they cost less their part of the discounts."""
    lines = order.lines.filter(pk__in=line_ids)
    return sum((line.subtotal - line.discount for line in lines), Decimal("0"))


def sweep(older_than: timedelta = timedelta(minutes=30)) -> dict[str, int]:
    """Beat: reservations whose order has ended are released; those whose order was paid are
    redeemed; those whose order does not exist (a crash can leave none: the reservation is in the
    order's transaction, but be sure) are released. Recent ones are left to the order services."""
    carrier = current_carrier()
    prefix = f"{carrier.slug}:"
    stale = (
        Redemption.objects.filter(status=Redemption.Status.RESERVED, created_at__lt=timezone.now() - older_than)
        .filter(order_ref__startswith=prefix)
        .values_list("order_ref", flat=True)
        .distinct()[:500]
    )
    refs = list(stale)
    numbers = {r[len(prefix) :]: r for r in refs}
    statuses = dict(Order.objects.filter(number__in=list(numbers)).values_list("number", "status"))
    outcome = {"released": 0, "redeemed": 0}
    for number, order_ref in numbers.items():
        status = statuses.get(number)
        if status is None or status in ENDED:
            outcome["released"] += counted.release(order_ref)
        elif status in SOLD:
            outcome["redeemed"] += counted.confirm(order_ref)
    return outcome
