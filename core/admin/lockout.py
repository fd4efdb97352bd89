"""Brute force on the staff admin (every carrier host) and the platform admin (the public host),
through django-axes: failures count per account and per client address in the schema of the
host, so one carrier's lockouts never touch another's; a lock lifts after
HALL_ADMIN_LOCKOUT_MINUTES. The shop's own sign-in keeps its rate limit (core.ratelimit)."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

ADMIN_PREFIX = "/admin/"


class AdminSignInHandler(AxesDatabaseHandler):
    """Axes for the admin sign-in only. Both admin sites sit at /admin/ under their own URL names
    (the platform's is not `admin:`), so the path decides, not a reverse()."""

    def is_admin_request(self, request: HttpRequest | None) -> bool:
        return request is not None and getattr(request, "path", "").startswith(ADMIN_PREFIX)

    def user_login_failed(self, sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
        if self.is_admin_request(request):  # a subscriber's typo is the shop's business
            super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request: HttpRequest, user, **kwargs) -> None:
        if self.is_admin_request(request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request: HttpRequest, user, **kwargs) -> None:
        if self.is_admin_request(request):
            super().user_logged_out(sender, request, user, **kwargs)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    return render(
        request,
        "admin/locked_out.html",
        {
            "minutes": settings.HALL_ADMIN_LOCKOUT_MINUTES,
            "failures": settings.HALL_ADMIN_SIGN_IN_FAILURES,
            "site_header": "Hall",
        },
        status=429,
    )
