"""Issuing, checking and revoking API tokens. A token reads `hall_<carrier>_<secret>`: the carrier
part tells a person which shop it is for; what proves it is the secret's keyed hash in that
carrier's schema."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import HallError
from integrations.models import ApiToken
from integrations.scopes import SCOPES
from tenants.gateways import current_carrier

LAST_USED_EVERY = timedelta(minutes=1)  # one write a minute per token, not one per request


class TokenError(HallError):
    code = "invalid_token"
    status = 400


def digest(secret: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"api-token:{secret}".encode(), hashlib.sha256).hexdigest()


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    wanted = [s.strip() for s in scopes if s and s.strip()]
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise TokenError(
            _("Unknown scopes: %(unknown)s. Known: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(SCOPES)}
        )
    return sorted(set(wanted))


def issue(
    user: User, name: str, scopes: Iterable[str], *, days: int | None = None, rate_per_minute: int = 600
) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once; only its hash is kept)."""
    if days is not None and days <= 0:
        raise TokenError(_("A token must last at least one day."))
    secret = f"hall_{current_carrier().slug.replace('-', '')}_{secrets.token_urlsafe(30)}"
    token = ApiToken.objects.create(
        name=name[:60] or user.get_username(),
        user=user,
        prefix=secret[:16],
        digest=digest(secret),
        scopes=clean_scopes(scopes),
        rate_per_minute=rate_per_minute,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, secret


def authenticate(secret: str) -> ApiToken | None:
    """The live token for this secret in the current carrier, or None (unknown, expired, revoked,
    or its account disabled)."""
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(digest=digest(secret), revoked_at__isnull=True).first()
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    from integrations import outbox  # its hubs stop hearing at once, not when the cache expires

    outbox.forget_subscriptions()
