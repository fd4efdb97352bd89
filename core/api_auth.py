"""API authentication (its own module: DRF imports it while rest_framework.views is loading)."""

from typing import cast

from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings


class CsrfSessionAuthentication(SessionAuthentication):
    """Session auth that checks CSRF for anonymous visitors too: their cart lives in the session.
    A client that proves itself with a valid token is not a browser riding a cookie and needs no
    CSRF token; any other Authorization header (empty, unknown scheme, wrong key) changes nothing."""

    def authenticate(self, request: Request):
        if _valid_credential(request):  # the token authenticates the request, not the cookie
            return None
        result = super().authenticate(request)
        if result is None and request._request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            self.enforce_csrf(request)
        return result


def _valid_credential(request: Request) -> bool:
    if not request._request.META.get("HTTP_AUTHORIZATION"):
        return False
    classes = cast("list[type[BaseAuthentication]]", api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    for authentication in classes:  # the token schemes the API knows
        if issubclass(authentication, SessionAuthentication):
            continue
        try:
            if authentication().authenticate(request) is not None:
                return True
        except APIException:  # a wrong, expired or over-limit credential is no credential
            continue
    return False
