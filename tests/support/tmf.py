"""Partner tokens and TMF requests for the open-platform tests."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model


def partner_token(*scopes: str, username: str = "partner", days: int | None = None) -> tuple[object, str]:
    """A partner account of the current carrier and a token with `scopes` (its secret)."""
    from integrations import tokens

    user, _created = get_user_model().objects.get_or_create(username=username)
    return tokens.issue(user, username, scopes, days=days)


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post_json(client, path: str, body, secret: str, content_type: str = "application/json", **extra):
    return client.generic("POST", path, json.dumps(body), content_type=content_type, **bearer(secret), **extra)


def patch_json(client, path: str, body, secret: str, content_type: str = "application/merge-patch+json"):
    return client.generic("PATCH", path, json.dumps(body), content_type=content_type, **bearer(secret))
