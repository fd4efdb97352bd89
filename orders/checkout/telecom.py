"""Orders only a carrier can take: broadband renewal, deposit-for-credit and plan change, on an
existing number or account, checked live against the carrier's BSS (prices and eligibility come from the
BSS at the moment of placing, never from the request)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from catalog.models import DepositOffer, Offer
from orders.checkout.form import CheckoutDetails
from orders.checkout.services import CheckoutError, _new_order, _once, record_placed
from orders.models import Order, OrderKind, OrderLine
from orders.states import OPEN
from tenants import ports
from tenants.gateways.bss import BroadbandAccount, BssError, PlanChangeQuote, Subscriber


def _bss_busy() -> CheckoutError:
    return CheckoutError(_("The carrier's system did not answer. Please try again in a moment."))


def refusal_text(account: BroadbandAccount) -> str:
    detail = account.refusal_detail
    texts = {
        "closed": _(
            "This account expired on %(date)s and has been closed, so it cannot be renewed online. "
            "Please order a new installation."
        )
        % {"date": detail.get("expired_on", "")},
        "arrears": _("The number bound to this account owes ¥%(amount)s. Please top it up first, then renew.")
        % {"amount": detail.get("amount", "")},
        "promotion": _("This account is in a promotion contract until %(date)s and can be renewed after that.")
        % {"date": detail.get("until", "")},
        "first_month": _("This account opened on %(date)s and is in its free first month; renewal opens after it.")
        % {"date": detail.get("opened_on", "")},
    }
    return texts.get(account.refusal, _("This account cannot be renewed online now."))


def find_broadband(query: str) -> BroadbandAccount:
    """By account code or bound mobile number; CheckoutError if the carrier has none."""
    query = (query or "").strip().replace(" ", "")
    if not query:
        raise CheckoutError(_("Enter your broadband account or the mobile number bound to it."))
    try:
        bss = ports.bss()
        found = (
            bss.broadband_account(number=query)
            if query.isdigit() and len(query) == 11
            else bss.broadband_account(account=query)
        )
    except BssError:
        raise _bss_busy() from None
    if found is None:
        raise CheckoutError(
            _(
                "No broadband account of this carrier matches “%(query)s”. Check the account on your "
                "bill, or use the mobile number it is bound to."
            )
            % {"query": query[:20]}
        )
    return found


def place_broadband_renewal(user: User, account_code: str, option_code: str, *, token: str) -> Order:
    account = find_broadband(account_code)
    if account.refusal:
        raise CheckoutError(refusal_text(account))
    option = next((o for o in account.renewals if o.code == option_code), None)
    if option is None:
        raise CheckoutError(_("That renewal is no longer offered for this account. Please choose again."))

    def make():
        order = _new_order(
            user,
            OrderKind.BROADBAND_RENEWAL,
            f"{user.pk}:{token}",
            CheckoutDetails(service_number=account.bound_number),
            option.price,
            goods_total=option.price,
        )
        OrderLine.objects.create(
            order=order,
            offer_kind="broadband_renewal",
            name=option.name,
            detail=account.account,
            unit_price=option.price,
            unit_list_price=option.price,
            terms={
                "account": account.account,
                "option": option.code,
                "starts_on": option.starts_on.isoformat(),
                "ends_on": option.ends_on.isoformat(),
                "bandwidth_mbps": option.bandwidth_mbps,
            },
        )
        record_placed(order, user, account=account.account)
        return order

    return _once(f"{user.pk}:{token}", make)


def deposit_problems(offer: DepositOffer, number: str) -> tuple[Subscriber | None, list[str]]:
    """Why `number` may not take `offer` (empty: eligible)."""
    try:
        subscriber = ports.bss().subscriber(number)
    except BssError:
        raise _bss_busy() from None
    if subscriber is None:
        return None, [_("%(number)s is not a number of this carrier.") % {"number": number}]
    problems = []
    if subscriber.status != "active":
        problems.append(_("The number is suspended. Please restore it first."))
    if subscriber.in_arrears:
        problems.append(_("The number owes ¥%(amount)s. Please top it up first.") % {"amount": subscriber.arrears})
    if offer.code in subscriber.offers:
        problems.append(_("This number has already taken “%(offer)s” (once per number).") % {"offer": offer.name})
    conflicts = sorted(set(offer.conflicts_with) & set(subscriber.offers))
    if conflicts:
        problems.append(
            _("The number is in an offer that cannot be combined with this one (%(codes)s).")
            % {"codes": ", ".join(conflicts)}
        )
    if Order.objects.filter(
        kind=OrderKind.DEPOSIT_CREDIT, service_number=number, status__in=OPEN, lines__terms__offer=offer.code
    ).exists():
        problems.append(_("An order for this offer on this number is already under way."))
    return subscriber, problems


def place_deposit(user: User, offer: DepositOffer, number: str, *, token: str) -> Order:
    if not offer.is_active:
        raise CheckoutError(_("This offer is no longer available."))
    _subscriber, problems = deposit_problems(offer, number)
    if problems:
        raise CheckoutError(" ".join(problems))

    def make():
        order = _new_order(
            user,
            OrderKind.DEPOSIT_CREDIT,
            f"{user.pk}:{token}",
            CheckoutDetails(service_number=number),
            offer.deposit,
            deposit_total=offer.deposit,
        )
        OrderLine.objects.create(
            order=order,
            category=OrderLine.Category.DEPOSIT,
            offer_kind="deposit_credit",
            name=offer.name,
            detail=number,
            unit_price=offer.deposit,
            unit_list_price=offer.deposit,
            terms={
                "offer": offer.code,
                "deposit": str(offer.deposit),
                "bonus": str(offer.bonus),
                "months": offer.months,
                "return_deposit_monthly": offer.return_deposit_monthly,
                "deposit_from_month": offer.deposit_from_month,
            },
        )
        record_placed(order, user, offer=offer.code)
        return order

    return _once(f"{user.pk}:{token}", make)


PLAN_REFUSALS = {
    "contract": lambda d: _("The number is under a contract until %(until)s; its plan can change after that.") % d,
    "arrears": lambda d: _("The number owes ¥%(amount)s. Please top it up first.") % d,
    "suspended": lambda d: _("The number is suspended. Please restore it first."),
    "conflict": lambda d: _("The number is in an offer (%(offer)s) that needs this plan or a dearer one.") % d,
    "same": lambda d: _("This is the number's plan now."),
}


def plan_refusal_text(quote: PlanChangeQuote) -> str:
    say = PLAN_REFUSALS.get(quote.refusal)
    return say(quote.refusal_detail) if say else _("The carrier does not allow this plan change now.")


def quote_plan(number: str, offer: Offer) -> PlanChangeQuote:
    try:
        return ports.bss().quote_plan_change(number, plan=offer.slug, plan_fee=offer.sale_price)
    except BssError:
        raise _bss_busy() from None


def place_plan_change(user: User, number: str, offer: Offer, effective: str, *, proved: bool, token: str) -> Order:
    """套餐变更 of a number the subscriber proved is theirs (bound, or a fresh code): checked with the
    BSS's rules now, applied by the worker with an idempotency key; nothing to pay here (the new
    monthly fee is billed by the carrier)."""
    if not proved:
        raise CheckoutError(_("Confirm the number with a code first: only its holder may change its plan."))
    if offer.kind != "plan" or not Offer.objects.on_sale().filter(pk=offer.pk).exists():
        raise CheckoutError(_("This plan is not on sale."))
    quote = quote_plan(number, offer)
    if not quote.allowed:
        raise CheckoutError(plan_refusal_text(quote))
    if effective not in quote.effective:
        raise CheckoutError(_("This plan change cannot start then. Choose when it starts from the list."))
    attributes = offer.attributes or {}
    allowances = {
        "data_mb": int(Decimal(str(attributes.get("data_gb") or 0)) * 1024),
        "voice_min": int(attributes.get("voice_minutes") or 0),
        "sms_msgs": int(attributes.get("sms") or 0),
    }

    def make() -> Order:
        order = _new_order(
            user, OrderKind.PLAN_CHANGE, f"{user.pk}:{token}", CheckoutDetails(service_number=number), Decimal("0")
        )
        OrderLine.objects.create(
            order=order,
            offer=offer,
            offer_kind="plan",
            name=offer.name,
            detail=number,
            unit_price=Decimal("0"),
            unit_list_price=Decimal("0"),
            terms={
                "plan": offer.slug,
                "plan_name": offer.name,
                "plan_fee": str(offer.sale_price),
                "effective": effective,
                "fee_difference": str(quote.fee_difference),
                "allowances": allowances,
            },
        )
        record_placed(order, user, plan=offer.slug, effective=effective)
        return order

    return _once(f"{user.pk}:{token}", make)
