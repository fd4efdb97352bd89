"""我的: the subscriber's numbers with their balance, allowances, plan and services; binding more
numbers with a code. Thin: the reads are selfcare.selectors, the changes subscribers.bindings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import SignedInRequest
from core.phone import is_mobile_number
from selfcare import selectors
from subscribers import bindings
from subscribers.code_step import CodeStep
from subscribers.models import BoundNumber

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
