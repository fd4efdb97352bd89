"""Rendered output and small hot tables, cached without going stale.

Each carrier's data sets ("catalog", "decor") have a *generation*: a random token in Redis,
replaced when the data changes (after the commit). Every cache key includes the generations it
was built from, so a change is seen by every web process at the next request: nothing is
deleted, old entries simply stop being asked for and age out. A request reads the generations
once (one Redis round trip, memoised for the request by `GenerationsMiddleware`).

Two levels: a bounded in-process LRU (no round trip, no unpickling) in front of the Django cache
(Redis, shared by all workers). Entries also expire on their own (`ttl`), which bounds the damage
of a change made behind our back (raw SQL) and lets time-driven changes (an offer's sale window)
be honoured by passing a shorter ttl."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe
from django_tenants.utils import schema_context

from core.caches import BoundedTTLCache
from core.tenancy import current_schema

log = logging.getLogger(__name__)
T = TypeVar("T")
CATALOG = "catalog"  # offers, variants (sold out or back), images, categories, cities
DECOR = "decor"  # published pages, the theme, shop assets
NAMES = (CATALOG, DECOR)
GENERATION_SECONDS = 30 * 24 * 3600
FRAGMENT_SECONDS = 60  # a safety net: every change we make bumps a generation at once
LOCAL_SECONDS = 300
# Cached HTML is rendered with this as its `csrf_token`; `fill_csrf` puts the visitor's own in.
CSRF_HOLE = "hall-csrf-hole"

_memo: ContextVar[dict[tuple[str, str], str] | None] = ContextVar("hall_generations", default=None)


LOCAL: BoundedTTLCache[tuple, Any] = BoundedTTLCache(max_entries=4000, max_bytes=48 * 1024 * 1024)


def _key(name: str) -> str:
    return f"generation:{name}"  # the cache's key function adds the carrier's schema


def generations() -> dict[str, str] | None:
    """The current generation of every data set of the active carrier; None while Redis cannot
    say (then nothing is served from or put into a cache: the pages render as without one)."""
    schema = current_schema()
    memo = _memo.get()
    if memo is not None and all((schema, name) in memo for name in NAMES):
        return {name: memo[(schema, name)] for name in NAMES}
    try:
        found = cache.get_many([_key(name) for name in NAMES])
        out = {}
        for name in NAMES:
            value = found.get(_key(name))
            if value is None:  # first use, or Redis lost it: start a generation nobody has cached under
                fresh = secrets.token_hex(6)
                value = fresh if cache.add(_key(name), fresh, GENERATION_SECONDS) else cache.get(_key(name))
            if value is None:
                return None
            out[name] = value
    except Exception as exc:  # Redis is down: render, do not fail the page
        log.warning("page cache unavailable: %s", exc)
        return None
    if memo is not None:
        memo.update({(schema, name): value for name, value in out.items()})
    return out


def bump(*names: str) -> None:
    """The active carrier's data sets changed: every cache built on them is old. Replaced now (so
    this transaction's own later reads see the change) and again after the commit (a page another
    request rendered in between, from the data before the commit, is not served after it). A
    Redis outage must not fail the change itself: it is logged, and entries expire within
    FRAGMENT_SECONDS (pages) or LOCAL_SECONDS (small tables) anyway."""
    schema = current_schema()

    def replace() -> None:
        memo = _memo.get()
        if memo is not None:
            for name in names:
                memo.pop((schema, name), None)
        try:
            with schema_context(schema):  # the commit may come after the writer left the schema
                cache.set_many({_key(name): secrets.token_hex(6) for name in names}, GENERATION_SECONDS)
        except Exception as exc:
            log.warning("could not start new %s generations for %s: %s", "/".join(names), schema, exc)

    replace()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(replace, robust=True)


def bump_on_change(name: str, *models: type) -> None:
    """Every save or delete of these models starts a new `name` generation (model signals)."""
    from django.db.models.signals import post_delete, post_save

    def changed(sender: type, **kwargs: Any) -> None:
        bump(name)

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                changed, sender=model, weak=False, dispatch_uid=f"generation-{name}-{model.__name__}-{id(signal)}"
            )


def known_query(request: HttpRequest, fields: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The query parameters a page reads, sorted: a cache key part (strangers make no entries)."""
    return [(k, request.GET.getlist(k)) for k in sorted(fields) if k in request.GET]


def local(
    name: str, parts: Iterable[object], build: Callable[[], T], on: Iterable[str], ttl: float = LOCAL_SECONDS
) -> T:
    """A small value (a category tree, a theme) built once per process and generation."""
    gens = generations()
    if gens is None:
        return build()
    key = (current_schema(), name, *(gens[n] for n in on), *parts)
    value = LOCAL.get(key)
    if value is None:
        value = build()
        LOCAL.set(key, value, ttl)
    return value


def shared(
    name: str, parts: Iterable[object], build: Callable[[], T | None], on: Iterable[str], ttl: float = FRAGMENT_SECONDS
) -> T | None:
    """Rendered output shared by every worker (Redis), with an in-process copy in front. `build`
    may return None for "do not cache this one" (e.g. a block failed for a transient reason)."""
    gens = generations()
    if gens is None:
        return build()
    parts = tuple(parts)
    local_key = (current_schema(), name, *(gens[n] for n in on), *parts)
    value = LOCAL.get(local_key)
    if value is not None:
        return value
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()  # any query string, short key
    redis_key = ":".join(["fragment", name, *(gens[n] for n in on), digest])
    try:
        value = cache.get(redis_key)
    except Exception:  # the generations were read a moment ago: a blip, render this one
        return build()
    if value is None:
        value = build()
        if value is None or ttl < 1:
            return value
        with contextlib.suppress(Exception):  # not shared this time; this process still keeps it
            cache.set(redis_key, value, int(ttl))
    LOCAL.set(local_key, value, ttl)
    return value


CSRF_FIELD = f'name="csrfmiddlewaretoken" value="{CSRF_HOLE}"'  # exactly what {% csrf_token %} writes


def fill_csrf(html: str, request: HttpRequest) -> SafeString:
    """Cached HTML carries CSRF_HOLE in each form's token field: this visitor's token goes there,
    and only there (the placeholder anywhere else, e.g. in staff-written text, stays as it is)."""
    if CSRF_FIELD in html:
        html = html.replace(CSRF_FIELD, f'name="csrfmiddlewaretoken" value="{get_token(request)}"')
    return mark_safe(html)  # noqa: S308 - our own rendered template output


class GenerationsMiddleware:
    """Reads the generations at most once per request (and forgets them after it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
