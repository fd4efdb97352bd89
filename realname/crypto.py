"""Encrypting personal data at rest: AES-256-GCM (authenticated) with a key id in every value, so
keys can be rotated (new values use the first key, old ones still open with theirs).

Keys come from HALL_REALNAME_KEYS: "kid:base64key[,kid:base64key…]", the first one current;
`manage.py rotate_realname_keys` re-encrypts old values with it.
Development and tests without it use one key derived from the secret key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.errors import HallError


class DecryptionFailed(HallError):
    pass


def _keys() -> list[tuple[str, bytes]]:
    configured = getattr(settings, "HALL_REALNAME_KEYS", "")
    if configured:
        pairs = [item.split(":", 1) for item in configured.split(",") if item.strip()]
        return [(kid.strip(), base64.b64decode(key)) for kid, key in pairs]
    if settings.PRODUCTION:
        raise ImproperlyConfigured("HALL_REALNAME_KEYS must be set in production")
    return [("dev", hashlib.sha256(b"realname-key:" + settings.SECRET_KEY.encode()).digest())]


def encrypt(plaintext: str, purpose: str) -> str:
    return encrypt_bytes(plaintext.encode(), purpose)


def encrypt_bytes(data: bytes, purpose: str) -> str:
    kid, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, data, purpose.encode())
    return f"{kid}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, purpose: str) -> str:
    return decrypt_bytes(token, purpose).decode()


def key_id(token: str) -> str:
    return token.partition(":")[0]


def current_key_id() -> str:
    return _keys()[0][0]


def decrypt_bytes(token: str, purpose: str) -> bytes:
    kid, _sep, data = token.partition(":")
    key = dict(_keys()).get(kid)
    if key is None:
        raise DecryptionFailed(f"unknown key id {kid!r}")
    raw = base64.b64decode(data)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode())
    except Exception as exc:  # InvalidTag: tampered, or the wrong purpose
        raise DecryptionFailed("cannot decrypt") from exc


def lookup_hash(value: str) -> str:
    """A keyed hash for finding equal values without storing them (the ID registry uses it; the
    same key in every carrier, so a group's carriers count one person together). Its own key
    (HALL_REALNAME_HASH_KEY): rotating the secret key or the encryption keys must not change it."""
    configured = getattr(settings, "HALL_REALNAME_HASH_KEY", "")
    if configured:
        key = base64.b64decode(configured)
    elif settings.PRODUCTION:
        raise ImproperlyConfigured("HALL_REALNAME_HASH_KEY must be set in production")
    else:
        key = hashlib.sha256(b"realname-lookup:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
