"""Capturing page views and business events without slowing pages: one LPUSH to a Redis list
(its own database) per event, flushed into the database by a worker. If Redis is unreachable the
event is dropped and the page is served as usual. Do-Not-Track / Global Privacy Control are
honoured (nothing recorded, no cookie); staff, previews and bots are not counted."""

from __future__ import annotations

import json
import logging
import re
import secrets
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.utils import timezone

from core.tenancy import current_schema, in_public

log = logging.getLogger(__name__)
VISITOR_COOKIE = "hall_vid"
PAGE_TYPES = {
    "home": "home",
    "catalogue": "catalogue",
    "category": "category",
    "offer": "offer",
    "compare": "compare",
    "numbers": "numbers",
    "cart": "cart",
    "checkout": "checkout",
    "landing-page": "landing",
    "broadband-renew": "broadband",
    "deposit-offers": "deposit",
    "top-up": "top_up",
    "orders": "orders",
    "order": "order",
    # steps of the ways of buying (sessions.PATHS): a hold shown, an account confirmed, an offer opened
    "number-held": "number_held",
    "broadband-account": "broadband_account",
    "deposit-offer": "deposit_offer",
}
# Pages whose address holds something of the visitor's (the held number, a broadband account, an
# order number): counted without it.
NO_PAGE_ID = {"number_held", "broadband_account", "order"}
BOTS = re.compile(r"bot|spider|crawl|slurp|curl|wget|python-requests|headless(?!chrome)", re.I)
_client = None


def buffer():
    global _client
    if _client is None:  # short timeouts: a slow or absent Redis must never hold a page up
        _client = redis.Redis.from_url(
            settings.HALL_ANALYTICS_REDIS_URL, socket_timeout=0.2, socket_connect_timeout=0.2
        )
    return _client


def key(schema: str | None = None) -> str:
    return f"hall:analytics:{schema or current_schema()}"


# Events of one request are sent together when its response is ready (one round trip per page,
# however many events it recorded); nothing stays behind in the process after a response, so a
# flush by any worker sees every page any web process has served, and a web process that is
# stopped or scaled away loses nothing. Outside a request (a task, a command) an event goes at once.
BATCH_ATTRIBUTE = "_analytics_batch"


def push(event: dict, schema: str | None = None, request=None) -> bool:
    if not settings.HALL_ANALYTICS:
        return False
    item = (key(schema), json.dumps(event, separators=(",", ":")))
    batch = getattr(request, BATCH_ATTRIBUTE, None) if request is not None else None
    if batch is not None:
        batch.append(item)
    else:
        send([item])
    return True


def send(items: list[tuple[str, str]]) -> None:
    """LPUSH the (list key, event) pairs in one round trip; dropped if Redis does not answer."""
    if not items:
        return
    by_key: dict[str, list[str]] = {}
    for list_key, value in items:
        by_key.setdefault(list_key, []).append(value)
    try:
        pipe = buffer().pipeline(transaction=False)
        for list_key, values in by_key.items():
            pipe.lpush(list_key, *values)
        pipe.execute()
    except redis.RedisError as exc:
        log.debug("%d analytics events dropped: %s", len(items), exc)


def opted_out(request) -> bool:
    return request.headers.get("DNT") == "1" or request.headers.get("Sec-GPC") == "1"


def device(request) -> str:
    agent = request.headers.get("User-Agent", "")
    if re.search(r"iPad|Tablet", agent):
        return "tablet"
    return "mobile" if re.search(r"Mobile|Android|iPhone", agent) else "desktop"


def visitor(request) -> str:
    return getattr(request, "analytics_visitor", "") or request.COOKIES.get(VISITOR_COOKIE, "")[:32]


def counted(request) -> bool:
    user = getattr(request, "user", None)
    return not (
        opted_out(request) or (user is not None and user.is_staff) or BOTS.search(request.headers.get("User-Agent", ""))
    )


def record(request, name: str, **fields) -> bool:
    """A business event from a request (add to cart, checkout started, order placed)."""
    if not counted(request) or not visitor(request):
        return False
    return push(
        {
            "at": timezone.now().isoformat(),
            "visitor": visitor(request),
            "name": name,
            "device": device(request),
            **fields,
        },
        request=request,
    )


class AnalyticsMiddleware:
    """Counts views of the shop's pages (after they are rendered) and keeps the visitor cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.analytics_visitor = request.COOKIES.get(VISITOR_COOKIE, "")[:32]
        setattr(request, BATCH_ATTRIBUTE, [])
        try:
            response = self._respond(request)
        finally:  # the page's events (business events, then its view) leave with the response
            send(getattr(request, BATCH_ATTRIBUTE))
            setattr(request, BATCH_ATTRIBUTE, None)
        return response

    def _respond(self, request):
        if not request.analytics_visitor and not opted_out(request):
            request.analytics_visitor = secrets.token_hex(16)
            request.analytics_new_visitor = True
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        page_type = PAGE_TYPES.get(match.url_name if match else "")
        if (
            page_type
            and request.method == "GET"
            and response.status_code == 200
            and counted(request)
            and not in_public()
            and response.get("Content-Type", "").startswith("text/html")
        ):
            referrer = urlsplit(request.headers.get("Referer", "")).hostname or ""
            page_id = str(match.kwargs.get("slug") or match.kwargs.get("number") or "")
            page_id = "" if page_type in NO_PAGE_ID else page_id
            push(
                {
                    "at": timezone.now().isoformat(),
                    "visitor": request.analytics_visitor,
                    "name": "view",
                    "page_type": page_type,
                    "page_id": page_id[:60],
                    "device": device(request),
                    "referrer": "" if referrer == request.get_host().split(":")[0] else referrer[:100],
                    "offer_kind": getattr(request, "analytics_offer_kind", ""),
                    "page_version": getattr(request, "analytics_page_version", None),
                },
                request=request,
            )
        if getattr(request, "analytics_new_visitor", False):
            response.set_cookie(
                VISITOR_COOKIE,
                request.analytics_visitor,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure(),
            )
        return response


def flush(limit: int = 5000) -> int:
    """Move buffered events of the current carrier into the database, in one batch."""
    from analytics.models import AnalyticsEvent

    pipe = buffer().pipeline()
    pipe.lrange(key(), -limit, -1)
    pipe.ltrim(key(), 0, -limit - 1)
    raw, _trimmed = pipe.execute()
    events = []
    for item in reversed(raw):  # oldest first
        data = json.loads(item)
        events.append(
            AnalyticsEvent(
                at=data["at"],
                visitor=data["visitor"][:32],
                name=data["name"][:20],
                page_type=data.get("page_type", "")[:20],
                page_id=data.get("page_id", "")[:60],
                page_version=data.get("page_version"),
                block_id=data.get("block_id", "")[:40],
                offer_kind=data.get("offer_kind", "")[:20],
                device=data.get("device", "")[:8],
                referrer=data.get("referrer", "")[:100],
            )
        )
    AnalyticsEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


BLOCK_ID = re.compile(r"^[-\w]{1,40}$")


def record_click(request, block_id: str, page_type: str, page_id: str, version) -> bool:
    """A click on a decorated page's block (the shop's script sends it as a beacon)."""
    if not BLOCK_ID.match(block_id or "") or page_type not in set(PAGE_TYPES.values()):
        return False
    try:
        version = int(version) if version else None
    except ValueError:
        version = None
    return record(
        request, "click", block_id=block_id, page_type=page_type, page_id=str(page_id)[:60], page_version=version
    )
