"""API authentication (its own module: DRF imports it while rest_framework.views is loading)."""

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request


class CsrfSessionAuthentication(SessionAuthentication):
    """Session auth that checks CSRF for anonymous visitors too: their cart lives in the session.
    A client that proves itself with a valid token is not a browser riding a cookie and needs no
    CSRF token; any other Authorization header (empty, unknown scheme, wrong key) changes nothing."""

    def authenticate(self, request: Request):
        result = super().authenticate(request)
        if (
            result is None
            and request._request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
            and not _valid_credential(request)
        ):
            self.enforce_csrf(request)
        return result


def _valid_credential(request: Request) -> bool:
    if not request._request.META.get("HTTP_AUTHORIZATION"):
        return False
    try:
        return TokenAuthentication().authenticate(request) is not None
    except AuthenticationFailed:
        return False
