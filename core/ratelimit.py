"""Fixed-window rate limits per visitor (IP address and session), counted in the cache, so a
script cannot sweep the number pool or spam codes."""

import hashlib
import hmac
import ipaddress
from time import time as now

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core.tenancy import current_schema


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind HALL_TRUSTED_PROXIES reverse proxies, each of which appends
    the address it saw to X-Forwarded-For, the client is that many entries from the right; what
    lies further left was written by the client and is never believed."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.HALL_TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < hops:
        return remote  # did not pass every proxy: whatever is there the client wrote
    claimed = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(claimed))
    except ValueError:  # a proxy writes addresses; anything else is not one
        return remote


def allow(request: HttpRequest, scope: str, limit: int, window_seconds: int = 60) -> bool:
    """Count this request; False once the visitor went over `limit` in the current window."""
    window = int(now() // window_seconds)
    session = request.session.session_key or "-" if hasattr(request, "session") else "-"
    allowed = True
    for who in (f"ip:{client_ip(request)}", f"session:{session}"):
        if who == "session:-":
            continue
        allowed = count(f"ratelimit:{scope}:{who}:{window}", window_seconds + 5) <= limit and allowed
    return allowed


def count(key: str, ttl_seconds: int) -> int:
    """Add one to the counter `key` in the cache (created with `ttl_seconds`); the new value.
    One round trip: create-if-missing and increment go in one pipeline (Django's add + incr
    took three, incr checking the key exists first)."""
    full = cache.make_and_validate_key(key)
    client = cache._cache.get_client(full, write=True)  # type: ignore[attr-defined]  # the Redis backend's own
    pipe = client.pipeline(transaction=True)  # MULTI: nobody's increment lands between the two
    pipe.set(full, 0, ex=ttl_seconds, nx=True)
    pipe.incr(full)
    return int(pipe.execute()[1])


_redis = None


def _client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.CACHE_URL)
    return _redis


def allow_distinct(request: HttpRequest, scope: str, value: str, limit: int, window_seconds: int = 3600) -> bool:
    """Count distinct `value`s (say, the numbers one caller had codes texted to) per client
    address, session and signed-in account; False when `value` would be one too many for any of
    them. Values are kept as keyed hashes (no phone numbers in Redis); one round trip each."""
    window = int(now() // window_seconds)
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()[:24]
    session = request.session.session_key if hasattr(request, "session") else None
    user = getattr(request, "user", None)
    callers = (
        [f"ip:{client_ip(request)}"]
        + ([f"session:{session}"] if session else [])
        + ([f"user:{user.pk}"] if user is not None and user.is_authenticated else [])
    )
    client = _client()
    added_to = []
    allowed = True
    for who in callers:
        key = f"hall:distinct:{current_schema()}:{scope}:{who}:{window}"
        pipe = client.pipeline()
        pipe.sadd(key, digest)
        pipe.expire(key, window_seconds + 5)
        pipe.scard(key)
        added, _ok, size = pipe.execute()
        if added:
            added_to.append(key)
        if size > limit:
            allowed = False
    if not allowed:  # a refused value takes no place in any count
        for key in added_to:
            client.srem(key, digest)
    return allowed
