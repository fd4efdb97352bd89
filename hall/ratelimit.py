"""Fixed-window rate limits per visitor (IP address and session), counted in the cache, so a
script cannot sweep the number pool or spam codes."""
from time import time as now

from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")  # behind a proxy, configure it to set REMOTE_ADDR


def allow(request, scope: str, limit: int, window_seconds: int = 60) -> bool:
    """Count this request; False once the visitor went over `limit` in the current window."""
    window = int(now() // window_seconds)
    session = request.session.session_key or "-" if hasattr(request, "session") else "-"
    allowed = True
    for who in (f"ip:{client_ip(request)}", f"session:{session}"):
        if who == "session:-":
            continue
        key = f"ratelimit:{scope}:{who}:{window}"
        cache.add(key, 0, window_seconds + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window_seconds + 5)
            count = 1
        allowed = allowed and count <= limit
    return allowed
