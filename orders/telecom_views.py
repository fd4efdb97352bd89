"""Broadband renewal and deposit-for-credit pages: number authentication first, then what the
carrier's BSS says about the account or number, then an order. Thin: services do the work."""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from catalog.inventory.patterns import MOBILE_NUMBER
from catalog.models import DepositOffer
from hall import ratelimit
from realname.masking import mask_phone

from . import number_auth, payouts, telecom_checkout
from .checkout import CheckoutError
from .order_views import pay_redirect

CODES_PER_IP_PER_HOUR = 10
# Different numbers one caller (address, session or account) may have codes texted to per hour:
# a family's numbers, not a sweep of other people's broadband accounts.
CODE_RECIPIENTS_PER_CALLER_PER_HOUR = 3


def _send_code(request, number, purpose) -> str:
    """Send a code (limits per caller here; per number in the service). Returns an error or ""."""
    if not ratelimit.allow(request, "sms-code", CODES_PER_IP_PER_HOUR, window_seconds=3600):
        return _("Too many codes requested from here. Please try again later.")
    if not ratelimit.allow_distinct(request, "sms-code-recipients", number, CODE_RECIPIENTS_PER_CALLER_PER_HOUR):
        return _("Codes were sent to too many different numbers from here. Please try again in an hour.")
    try:
        number_auth.send_code(number, purpose)
    except number_auth.AuthError as exc:
        return str(exc)
    return ""


def _verify(request, number, purpose) -> str:
    try:
        number_auth.verify_code(number, purpose, request.POST.get("code", ""))
    except number_auth.AuthError as exc:
        return str(exc)
    number_auth.remember(request.session, number, purpose)
    return ""


@login_required
def broadband_start(request):
    """Step 1: account or bound number → code to the bound number → step 2: the code."""
    context = {"tab": "home", "query": request.POST.get("query", "")}
    pending = request.session.get("broadband_lookup")
    action = request.POST.get("action")
    if action == "lookup":
        try:
            account = telecom_checkout.find_broadband(context["query"])
        except CheckoutError as exc:
            context["error"] = str(exc)
        else:
            pending = {"account": account.account, "number": account.bound_number}
            request.session["broadband_lookup"] = pending
            if number_auth.is_verified(request.session, account.bound_number, "broadband"):
                return redirect("broadband-account", account.account)
            context["error"] = _send_code(request, account.bound_number, "broadband")
            context["code_step"] = True
    elif action == "verify" and pending:
        context["error"] = _verify(request, pending["number"], "broadband")
        if not context["error"]:
            return redirect("broadband-account", pending["account"])
        context["code_step"] = True
    if context.get("code_step"):
        context["masked"] = mask_phone(pending["number"])
    return render(request, "orders/broadband_start.html", context)


@login_required
def broadband_account(request, account):
    """Step 3: the account as the BSS sees it, with its renewals or why there are none."""
    pending = request.session.get("broadband_lookup") or {}
    if pending.get("account") != account or not number_auth.is_verified(request.session, pending["number"],
                                                                          "broadband"):
        messages.info(request, _("Confirm the code sent to the bound number first."))
        return redirect("broadband-renew")
    error = ""
    if request.method == "POST":
        try:
            order = telecom_checkout.place_broadband_renewal(
                request.user, account, request.POST.get("option", ""), token=request.POST.get("token", "")[:40])
            return pay_redirect(request, order)
        except CheckoutError as exc:
            error = str(exc)
    try:
        found = telecom_checkout.find_broadband(account)
    except CheckoutError as exc:
        found, error = None, str(exc)
    return render(request, "orders/broadband_account.html", {
        "tab": "home", "account": found, "error": error, "token": uuid.uuid4().hex,
        "refusal": telecom_checkout.refusal_text(found) if found and found.refusal else ""})


def deposit_offers(request):
    return render(request, "orders/deposit_offers.html", {
        "tab": "home", "offers": DepositOffer.objects.filter(is_active=True)})


@login_required
def deposit_offer(request, code):
    offer = get_object_or_404(DepositOffer, code=code, is_active=True)
    session_key = f"deposit_number:{offer.code}"
    number = request.session.get(session_key, "")
    context = {"tab": "home", "offer": offer, "number": request.POST.get("number", number),
               "preview": payouts.plan(_terms(offer), _today())}
    action = request.POST.get("action")
    if action == "send":
        number = request.POST.get("number", "").strip()
        if not MOBILE_NUMBER.match(number):
            context["error"] = _("Enter an 11-digit mainland mobile number.")
        else:
            request.session[session_key] = number
            context["error"] = _send_code(request, number, "deposit")
            context["code_step"] = True
    elif action == "verify" and number:
        context["error"] = _verify(request, number, "deposit")
        context["code_step"] = bool(context["error"])
    elif action == "place" and number and number_auth.is_verified(request.session, number, "deposit"):
        try:
            order = telecom_checkout.place_deposit(request.user, offer, number,
                                                   token=request.POST.get("token", "")[:40])
            return pay_redirect(request, order)
        except CheckoutError as exc:
            context["error"] = str(exc)
    if number and number_auth.is_verified(request.session, number, "deposit"):
        try:
            _subscriber, context["problems"] = telecom_checkout.deposit_problems(offer, number)
        except CheckoutError as exc:
            context["error"] = str(exc)
        context.update(verified=True, token=uuid.uuid4().hex)
    context["masked"] = mask_phone(number) if number else ""
    return render(request, "orders/deposit_offer.html", context)


def _terms(offer) -> dict:
    return {"deposit": offer.deposit, "bonus": offer.bonus, "months": offer.months,
            "return_deposit_monthly": offer.return_deposit_monthly, "deposit_from_month": offer.deposit_from_month}


def _today():
    from django.utils import timezone

    return timezone.localdate()
