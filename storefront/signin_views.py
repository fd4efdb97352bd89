"""Signing in and up: with an SMS code by default (one flow for both, so nothing says whether a
number has an account), or with a password for accounts that set one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.phone import is_mobile_number
from storefront.views import LoginView
from subscribers import signin
from subscribers.code_step import CodeStep

SIGN_IN = CodeStep(signin.PURPOSE, "sign_in_pending", served_only=False)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()) else ""


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next(request) or "account")
    if request.method == "POST" and "password" in request.POST:
        return LoginView.as_view()(request)  # an account with a password
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "send":
            number = (request.POST.get("number") or "").strip()
            error = SIGN_IN.send(request, number) if is_mobile_number(number) else _("Enter an 11-digit mobile number.")
        else:
            error = SIGN_IN.act(request, action) or ""
        if action == "verify" and not error:
            number = SIGN_IN.number(request)
            try:
                user = signin.account_for(number)
            except signin.SignInRefused as exc:
                error = str(exc)
            else:
                SIGN_IN.change(request)  # the code is spent: a reload starts afresh
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("You are signed in."))
                return redirect(_next(request) or "account")
        if not error:
            return redirect(request.get_full_path())  # post/redirect/get: a reload sends nothing twice
    return render(
        request,
        "hall/login.html",
        {
            "tab": "me",
            "error": error,
            "next": _next(request),
            "number": SIGN_IN.number(request),
            **SIGN_IN.context(request),
        },
    )
