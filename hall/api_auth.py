"""API authentication (its own module: DRF imports it while rest_framework.views is loading)."""
from rest_framework.authentication import SessionAuthentication


class CsrfSessionAuthentication(SessionAuthentication):
    """Session auth that checks CSRF for anonymous visitors too: their cart lives in the session.
    Token clients (an Authorization header) are not browsers and need no CSRF token."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None and request._request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") \
                and not request._request.META.get("HTTP_AUTHORIZATION"):
            self.enforce_csrf(request)
        return result


