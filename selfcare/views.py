"""我的: the subscriber's numbers with their balance, allowances, plan and services; binding more
numbers with a code. Thin: the reads are selfcare.selectors, the changes subscribers.bindings."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.models import Offer
from core.errors import HallError
from core.http import SignedInRequest
from core.phone import is_mobile_number
from orders.checkout import telecom
from orders.checkout.services import CheckoutError
from orders.models import OrderStatus
from orders.payments import services as payments
from selfcare import records, selectors, services
from subscribers import bindings, codes
from subscribers.code_step import CodeStep
from subscribers.models import BoundNumber
from tenants.gateways.bss import BssError

BIND = CodeStep("bind", "bind_pending")


def me(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "selfcare/me.html", {"tab": "me"})
    cards = selectors.cards(request.user)
    return render(
        request,
        "selfcare/me.html",
        {"tab": "me", "cards": cards, "primary": cards[0] if cards else None, "others": cards[1:]},
    )


@login_required
def bind_number(request: SignedInRequest) -> HttpResponse:
    """Bind another number: a code to it proves it is the subscriber's."""
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "send":
            number = (request.POST.get("number") or "").strip()
            if not is_mobile_number(number):
                error = _("Enter an 11-digit mobile number.")
            elif bindings.is_bound(request.user, number):
                error = _("%(number)s is already bound to your account.") % {"number": number}
            else:
                error = BIND.send(request, number)
        else:
            error = BIND.act(request, action) or ""
        if action == "verify" and not error:
            number = BIND.number(request)
            bindings.bind(request.user, number, BoundNumber.Proof.CODE)
            BIND.change(request)
            selectors.forget(number)
            messages.success(request, _("%(number)s is bound to your account.") % {"number": number})
            return redirect("account")
        if not error:
            return redirect("bind-number")
    return render(
        request,
        "selfcare/bind.html",
        {"tab": "me", "error": error, "number": BIND.number(request), **BIND.context(request)},
    )


@login_required
@require_POST
def number_action(request: SignedInRequest, number: str) -> HttpResponse:
    """Make a bound number the primary one, or remove it from the account."""
    try:
        if request.POST.get("action") == "primary":
            bindings.make_primary(request.user, number)
            messages.success(request, _("%(number)s is your primary number now.") % {"number": number})
        elif request.POST.get("action") == "unbind":
            bindings.unbind(request.user, number)
            messages.success(request, _("%(number)s is no longer bound to your account.") % {"number": number})
    except bindings.BindingError as exc:
        messages.error(request, str(exc))
    return redirect("account")


@login_required
def bills(request: SignedInRequest, number: str) -> HttpResponse:
    number = selectors.own_number(request.user, number)
    try:
        found = selectors.bills(number)
    except BssError:
        found, unavailable = (), True
    else:
        unavailable = False
    return render(
        request, "selfcare/bills.html", {"tab": "me", "number": number, "bills": found, "unavailable": unavailable}
    )


def _records_step(number: str) -> CodeStep:
    return CodeStep(records.PURPOSE, f"records_pending:{number}")


@login_required
def bill_records(request: SignedInRequest, number: str, period: str) -> HttpResponse:
    """The month's itemised records, after a fresh code to the number (a second check)."""
    number = selectors.own_number(request.user, number)
    step = _records_step(number)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        error = step.send(request, number) if action == "send" else (step.act(request, action) or "")
        if not error:
            return redirect("bill-records", number, period)
    context: dict[str, object] = {"tab": "me", "number": number, "period": period, "error": error}
    kind = request.GET.get("kind", "")
    context["kind"] = kind
    if not codes.proved(request.session, number):
        response = render(request, "selfcare/records_check.html", {**context, **step.context(request)})
    else:
        try:
            context["records"] = records.read(request.user, number, period, kind, via="page")
        except HallError as exc:
            context["error"] = str(exc)
        except BssError:
            context["unavailable"] = True
        response = render(request, "selfcare/records.html", context)
    response["Cache-Control"] = "no-store"  # personal data: no copy in any cache on the way
    return response


@login_required
def plan(request: SignedInRequest, number: str) -> HttpResponse:
    """My plan and services: the current plan and contract, 退订 of what may be cancelled, and the
    plans this number may change to, with why the others may not."""
    number = selectors.own_number(request.user, number)
    shown = selectors.plan_card(number)
    if request.method == "POST" and request.POST.get("action") == "change":
        return _change_plan(request, number)
    try:
        choices = selectors.plan_choices(number)
    except CheckoutError:
        choices, shown.unavailable = [], True
    return render(
        request,
        "selfcare/plan.html",
        {"tab": "me", "number": number, "card": shown, "plans": choices, "token": uuid.uuid4().hex},
    )


def _change_plan(request: SignedInRequest, number: str) -> HttpResponse:
    offer = Offer.objects.filter(slug=request.POST.get("plan", ""), kind="plan").first()
    if offer is None or request.POST.get("accept") != "on":
        messages.error(request, _("Choose a plan and accept its terms."))
        return redirect("my-plan", number)
    try:
        order = telecom.place_plan_change(
            request.user,
            number,
            offer,
            request.POST.get("effective", "next_month"),
            proved=bindings.is_bound(request.user, number),
            token=request.POST.get("token", "")[:40] or uuid.uuid4().hex,
        )
    except CheckoutError as exc:
        messages.error(request, str(exc))
        return redirect("my-plan", number)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        payments.settle_free(order)  # nothing to pay here: the carrier bills the new monthly fee
    selectors.forget(number)
    messages.success(request, _("Your plan change is on its way: you will get a text when it is done."))
    return redirect("order", order.number)


@login_required
@require_POST
def cancel_service(request: SignedInRequest, number: str) -> HttpResponse:
    """退订 of a value-added service, after the subscriber confirmed it on the plan page."""
    number = selectors.own_number(request.user, number)
    code = request.POST.get("service", "")
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm the cancellation."))
        return redirect("my-plan", number)
    try:
        until = services.cancel_service(number, code)
    except HallError as exc:
        messages.error(request, str(exc))
    else:
        selectors.forget(number)
        messages.success(request, _("Cancelled: it stops on %(date)s.") % {"date": until.isoformat()})
    return redirect("my-plan", number)
