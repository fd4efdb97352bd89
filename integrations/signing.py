"""How Hall signs what it sends, and how a receiver checks it (copy this file, it needs only the
standard library).

Every delivery carries `X-Hall-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
the body being the exact bytes of the request. A receiver recomputes it with the subscription's
secret (shown once when the subscription was created), compares in constant time and refuses a
timestamp outside its replay window (`tolerance`, five minutes by default), so a captured request
cannot be played again later. TMF630 hubs define no signature; Hall signs hub events the same way.

Deliveries are at least once: a receiver dedupes on `X-Hall-Event-Id` (also the body's
`eventId` / `id`)."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Hall-Signature"


def _bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def digest(secret: str, body: bytes | str, ts: int) -> str:
    return hmac.new(secret.encode(), str(int(ts)).encode() + b"." + _bytes(body), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes | str, ts: int | None = None) -> str:
    """The header value for `body` signed at `ts` (now by default)."""
    ts = int(time.time()) if ts is None else int(ts)
    return f"t={ts},v1={digest(secret, body, ts)}"


def parse(header: str) -> tuple[int | None, list[str]]:
    """The timestamp and the v1 signatures of a header (several v1 are allowed, for secret rotation)."""
    ts, signatures = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdecimal():
            ts = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    return ts, signatures


def verify(secret: str, header: str, body: bytes | str, tolerance: int = 300, now: float | None = None) -> bool:
    """True if `header` signs exactly `body` with `secret`, within `tolerance` seconds of now
    (either way: a stale or a future timestamp is refused)."""
    ts, signatures = parse(header)
    if ts is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    expected = digest(secret, body, ts)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
