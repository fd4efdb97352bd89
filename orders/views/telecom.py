"""Broadband renewal and deposit-for-credit pages: number authentication first, then what the
carrier's BSS says about the account or number, then an order. Thin: services do the work."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from catalog.models import DepositOffer
from catalog.selectors import deposit_offers_on_sale
from core.http import SignedInRequest
from core.phone import MOBILE_NUMBER, mask_phone
from orders.checkout import telecom as telecom_checkout
from orders.checkout.services import CheckoutError
from orders.payments import payouts
from orders.views.order import pay_redirect
from subscribers import bindings, codes
from subscribers.code_step import CodeStep

BROADBAND = CodeStep("broadband", "broadband_lookup", skip_when_bound=True)


def _deposit_step(offer) -> CodeStep:
    return CodeStep("deposit", f"deposit_number:{offer.code}", skip_when_bound=True)


@login_required
def broadband_start(request: SignedInRequest):
    """Step 1: account or bound number → code to the bound number → step 2: the code."""
    context = {"tab": "home", "query": request.POST.get("query", "")}
    action = request.POST.get("action")
    if action == "lookup":
        try:
            account = telecom_checkout.find_broadband(context["query"])
        except CheckoutError as exc:
            context["error"] = str(exc)
        else:
            if codes.is_verified(request.session, account.bound_number, "broadband"):
                request.session[BROADBAND.session_key] = {
                    "number": account.bound_number,
                    "sent_at": 0,
                    "account": account.account,
                }
                return redirect("broadband-account", account.account)
            context["error"] = BROADBAND.send(request, account.bound_number, account=account.account)
            if not context["error"] and BROADBAND.verified(request):  # the number is bound: no code
                return redirect("broadband-account", account.account)
    elif (error := BROADBAND.act(request, action)) is not None:
        context["error"] = error
        if action == "verify" and not error:
            return redirect("broadband-account", BROADBAND.pending(request)["account"])
    if action in ("lookup", "resend", "change") and not context.get("error"):
        return redirect("broadband-renew")  # post/redirect/get: a reload shows the step, sends nothing
    context.update(BROADBAND.context(request))
    return render(request, "orders/broadband_start.html", context)


@login_required
def broadband_account(request: SignedInRequest, account):
    """Step 3: the account as the BSS sees it, with its renewals or why there are none."""
    if BROADBAND.pending(request).get("account") != account or not BROADBAND.verified(request):
        messages.info(request, _("Confirm the code sent to the bound number first."))
        return redirect("broadband-renew")
    error = ""
    if request.method == "POST":
        try:
            order = telecom_checkout.place_broadband_renewal(
                request.user, account, request.POST.get("option", ""), token=request.POST.get("token", "")[:40]
            )
            return pay_redirect(request, order)
        except CheckoutError as exc:
            error = str(exc)
    try:
        found = telecom_checkout.find_broadband(account)
    except CheckoutError as exc:
        found, error = None, str(exc)
    return render(
        request,
        "orders/broadband_account.html",
        {
            "tab": "home",
            "account": found,
            "error": error,
            "token": uuid.uuid4().hex,
            "refusal": telecom_checkout.refusal_text(found) if found and found.refusal else "",
        },
    )


def deposit_offers(request: HttpRequest):
    return render(request, "orders/deposit_offers.html", {"tab": "home", "offers": deposit_offers_on_sale()})


@login_required
def deposit_offer(request: SignedInRequest, code: str):
    offer = get_object_or_404(DepositOffer, code=code, is_active=True)
    step = _deposit_step(offer)
    context = {"tab": "home", "offer": offer, "preview": payouts.plan(_terms(offer), _today())}
    action = request.POST.get("action")
    if action == "send":
        number = request.POST.get("number", "").strip()
        context["number"] = number
        if not MOBILE_NUMBER.match(number):
            context["error"] = _("Enter an 11-digit mainland mobile number.")
        else:
            context["error"] = step.send(request, number)
    elif (error := step.act(request, action)) is not None:
        context["error"] = error
    elif action == "place" and step.verified(request):
        try:
            order = telecom_checkout.place_deposit(
                request.user, offer, step.number(request), token=request.POST.get("token", "")[:40]
            )
            return pay_redirect(request, order)
        except CheckoutError as exc:
            context["error"] = str(exc)
    if action in ("send", "resend", "change", "verify") and not context.get("error"):
        return redirect(request.path)  # post/redirect/get: a reload shows the step, sends nothing
    number = step.number(request)
    if step.verified(request):
        try:
            _subscriber, context["problems"] = telecom_checkout.deposit_problems(offer, number)
        except CheckoutError as exc:
            context["error"] = str(exc)
        context.update(verified=True, token=uuid.uuid4().hex, masked=mask_phone(number))
    bound = bindings.numbers_of(request.user)
    context.update(step.context(request), bound=bound)
    context.setdefault("number", bound[0] if bound else "")  # the subscriber's own number, pre-filled
    return render(request, "orders/deposit_offer.html", context)


def _terms(offer) -> dict:
    return {
        "deposit": offer.deposit,
        "bonus": offer.bonus,
        "months": offer.months,
        "return_deposit_monthly": offer.return_deposit_monthly,
        "deposit_from_month": offer.deposit_from_month,
    }


def _today():
    from django.utils import timezone

    return timezone.localdate()
