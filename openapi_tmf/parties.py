"""Whose numbers a token may read (TMF637 products, TMF654 balances), and the parties of a number.

- A staff token (its account `is_staff`) reads any number of the carrier, one number or one
  account at a time: a listing names `?<number filter>=<number>` or `?relatedParty.id=<account id>`.
- A partner token reads only the numbers sold through its account's own orders: a number whose
  sale (status sold, held by `order:<pk>`) is an order placed by that account.
- Parties, masked (personal data never leaves in full): the account the number is bound to
  (customer), the registered holder of the order that sold it (holder: masked name only) and the
  account that placed that order (buyer). `relatedParty.id` is an account id.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from rest_framework.request import Request

from core.phone import is_mobile_number, mask_phone
from numberpool.models import MobileNumber
from openapi_tmf.conventions import invalid, parse_filters
from orders.models import Order, OrderLine
from subscribers.models import BoundNumber

MAX_NUMBERS = 100  # numbers one listing reads from the BSS (name a number to see any other)


def account_id(request: Request) -> int:
    """The token's account (TokenScopes let only token requests in)."""
    user = request.user
    assert isinstance(user, User)
    return user.pk


def is_staff(request: Request) -> bool:
    return bool(getattr(request.user, "is_staff", False))


def _sales(numbers: list[str] | None = None, buyer: int | None = None) -> dict[str, Order]:
    """Sold numbers and the order that sold each (optionally only these numbers, or one buyer's)."""
    lines = OrderLine.objects.filter(category=OrderLine.Category.NUMBER_FEE).exclude(number="")
    if numbers is not None:
        lines = lines.filter(number__in=numbers)
    if buyer is not None:
        lines = lines.filter(order__user_id=buyer)
    orders = {
        f"order:{line.order_id}": line.order for line in lines.select_related("order", "order__identity", "order__user")
    }
    sold = MobileNumber.objects.filter(status=MobileNumber.Status.SOLD, hold_owner__in=list(orders))
    if numbers is not None:
        sold = sold.filter(number__in=numbers)
    return {number: orders[owner] for number, owner in sold.values_list("number", "hold_owner")}


def sold_through(user: User | int) -> dict[str, Order]:
    """The numbers sold through this account's orders."""
    return _sales(buyer=user if isinstance(user, int) else user.pk)


def may_read(request: Request, number: str) -> bool:
    if not is_mobile_number(number):
        return False
    if is_staff(request):
        return True
    return number in _sales([number], buyer=account_id(request))


def _eq_values(request: Request, name: str) -> list[str]:
    return [v for n, op, value in parse_filters(request) if n == name and op == "eq" for v in value.split(",") if v]


def listed_numbers(request: Request, number_filter: str) -> list[str]:
    """The numbers a listing reads: the ones the filters name, among those the token may read."""
    wanted = _eq_values(request, number_filter)
    accounts = [
        int(v) for v in _eq_values(request, "relatedParty.id") if v.isascii() and v.isdecimal() and int(v) < 2**31
    ]
    if is_staff(request):
        if not wanted and not _eq_values(request, "relatedParty.id"):
            raise invalid(
                _("Staff tokens list one number or one account: add ?%(filter)s=<number> or ?relatedParty.id=<id>.")
                % {"filter": number_filter},
                number_filter,
            )
        found = {n for n in wanted if is_mobile_number(n)}
        for account in accounts:
            found |= set(
                BoundNumber.objects.filter(user_id=account, unbound_at__isnull=True).values_list("number", flat=True)
            )
            found |= set(sold_through(account))
    else:
        found = set(sold_through(account_id(request)))
        if wanted:
            found &= set(wanted)
    return sorted(found)[:MAX_NUMBERS]


def account_name(user: User) -> str:
    """An account as others see it: a phone number (what subscribers sign in with) masked."""
    name = user.get_username()
    return mask_phone(name) if is_mobile_number(name) else name


def parties(number: str) -> list[dict]:
    found = []
    binding = BoundNumber.objects.filter(number=number, unbound_at__isnull=True).select_related("user").first()
    if binding is not None:
        found.append(
            {
                "id": str(binding.user_id),
                "role": "customer",
                "name": account_name(binding.user),
                "@referredType": "Individual",
            }
        )
    order = _sales([number]).get(number)
    if order is not None:
        if order.identity is not None:
            found.append(
                {
                    "id": f"holder-{order.identity_id}",
                    "role": "holder",
                    "name": order.identity.name_masked,
                    "@referredType": "Individual",
                }
            )
        found.append(
            {"id": str(order.user_id), "role": "buyer", "name": account_name(order.user), "@referredType": "PartyRole"}
        )
    return found
