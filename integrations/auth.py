"""DRF authentication by `Authorization: Bearer <token>` with a per-token rate limit, and the
permission that checks a view's scopes."""

from __future__ import annotations

from time import time as now

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core import ratelimit
from core.tenancy import current_schema
from integrations import tokens
from integrations.models import ApiToken


class TooManyRequests(exceptions.Throttled):
    pass


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):
        known = getattr(request._request, "_hall_bearer", None)
        if known is not None:  # checked once already (core.api_auth asks before the session does)
            return known
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            secret = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        token = tokens.authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid, has expired or was revoked."))
        window = int(now() // 60)
        if ratelimit.count(f"ratelimit:token:{current_schema()}:{token.pk}:{window}", 65) > token.rate_per_minute:
            raise TooManyRequests(wait=60 - int(now()) % 60)
        request._request._hall_bearer = (token.user, token)  # type: ignore[attr-defined]
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class TokenScopes(BasePermission):
    """The view's `scopes` ({method: scope}, "*" for any other) must be in the request's token.
    Session requests (no token) are refused: the partner API speaks to systems, not browsers."""

    message = _("This token does not allow that.")

    def has_permission(self, request: Request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(_("Send an API token: “Authorization: Bearer <token>”."))
        needed = scope_for(view, request.method or "GET")
        if needed and not token.has_scope(needed):
            self.message = _("This token lacks the scope “%(scope)s”.") % {"scope": needed}
            return False
        return True


def scope_for(view, method: str) -> str:
    """The scope a method needs; HEAD and OPTIONS read as GET, and a read the view names no scope
    for is refused (an unnamed read scope is never "none needed")."""
    scopes: dict[str, str] = getattr(view, "scopes", {})
    method = "GET" if method.upper() in ("HEAD", "OPTIONS") else method.upper()
    # a read always needs its scope; a write the view does not name is one it does not do (405)
    return scopes.get(method, scopes.get("*", "refused" if method == "GET" else ""))
