"""Small HTTP helpers shared by views."""
from collections.abc import Callable

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(request, fallback):
    """Back to where a form was posted from (`next` field or Referer) when that is this host."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def max_body(limit: int) -> Callable:
    """Refuse bodies over `limit` bytes with 413 (hall.middleware.BadInputMiddleware reads it)."""
    def decorate(view: Callable) -> Callable:
        view.max_body_bytes = limit
        return view

    return decorate
