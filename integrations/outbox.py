"""The transactional outbox: a change writes its event in its own transaction, so an event leaves
Hall if and only if the change committed.

    with transaction.atomic():
        order.save(...)
        outbox.emit("order.state_changed", "order", order.pk, order)

`emit` writes one `OutboxEvent` and one `Delivery` per active subscription that wants it (TMF
hubs by API and query, staff webhooks by topic), in the caller's transaction, and only when at
least one subscription matches: with no subscription nothing is written, and no query is made
(the active subscriptions of a carrier are cached in Redis, invalidated on every save and delete).
After the commit the delivery task is sent; `integrations.delivery` posts, signs, retries and
keeps the order per resource.

Payloads come from renderers registered per resource type and flavour: "hall" (Hall's own JSON,
for webhooks; each owning app registers its own) and "tmf" (the TMF resource, for hubs; the
`openapi_tmf` app registers them). They are rendered at emit time: the event carries the state at
the change, not the state when it is finally delivered."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from core.tasks import send_on_commit
from core.tenancy import in_public
from integrations.models import Delivery, OutboxEvent, Subscription

log = logging.getLogger(__name__)

HALL, TMF = "hall", "tmf"
FLAVOURS = (HALL, TMF)
DELIVER_TASK = "integrations.tasks.deliver"


@dataclass(frozen=True)
class Topic:
    api: str = ""  # the TMF API whose hubs receive it ("" = webhooks only)
    event_type: str = ""  # the TMF event type
    resource_name: str = ""  # the key of the resource in the TMF event body


ORDERING, CATALOG, TICKETS = "productOrderingManagement", "productCatalogManagement", "troubleTicket"
TOPICS: dict[str, Topic] = {
    "order.created": Topic(ORDERING, "ProductOrderCreateEvent", "productOrder"),
    "order.state_changed": Topic(ORDERING, "ProductOrderStateChangeEvent", "productOrder"),
    "offer.created": Topic(CATALOG, "ProductOfferingCreateEvent", "productOffering"),
    "offer.changed": Topic(CATALOG, "ProductOfferingAttributeValueChangeEvent", "productOffering"),
    "offer.deleted": Topic(CATALOG, "ProductOfferingDeleteEvent", "productOffering"),
    "ticket.created": Topic(TICKETS, "TroubleTicketCreateEvent", "troubleTicket"),
    "ticket.state_changed": Topic(TICKETS, "TroubleTicketStateChangeEvent", "troubleTicket"),
    "payment.succeeded": Topic(),
    "payment.refunded": Topic(),
}
APIS: dict[str, list[str]] = {}
for _name, _topic in TOPICS.items():
    if _topic.api:
        APIS.setdefault(_topic.api, []).append(_topic.event_type)


# --- renderers -------------------------------------------------------------------------------

Renderer = Callable[[Any], dict]
_RENDERERS: dict[tuple[str, str], Renderer] = {}


def register_renderer(resource_type: str, flavour: str, fn: Renderer) -> None:
    """`fn(obj) -> dict`, the JSON of a resource of `resource_type` in `flavour` ("hall" or
    "tmf"). Personal data masked. Registering again replaces (apps register in `ready()`)."""
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {FLAVOURS}, not {flavour!r}")
    _RENDERERS[(resource_type, flavour)] = fn


def render(resource_type: str, flavour: str, resource_id: object, obj: Any, topic: str = "") -> dict:
    fn = _RENDERERS.get((resource_type, flavour))
    if fn is not None:
        return fn(obj)
    if flavour == TMF:  # no TMF mapping registered (yet): the resource's id and type only
        name = TOPICS[topic].resource_name if topic in TOPICS else resource_type
        return {"id": str(resource_id), "@type": name[:1].upper() + name[1:]}
    return {"id": str(resource_id)}


def jsonable(value: Any) -> Any:
    """What the value reads as once stored (decimals and times as strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- bodies as receivers get them --------------------------------------------------------------


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hub_body(event: OutboxEvent) -> dict:
    spec = TOPICS[event.topic]
    return {
        "eventId": str(event.event_id),
        "eventTime": utc_iso(event.created_at),
        "eventType": spec.event_type,
        "event": {spec.resource_name: event.payload.get(TMF, {})},
    }


def webhook_body(event: OutboxEvent) -> dict:
    return {
        "id": str(event.event_id),
        "type": event.topic,
        "createdAt": utc_iso(event.created_at),
        "data": event.payload.get(HALL, {}),
    }


def body_for(kind: str, event: OutboxEvent) -> dict:
    return hub_body(event) if kind == Subscription.Kind.TMF_HUB else webhook_body(event)


def event_type(kind: str, topic: str) -> str:
    return TOPICS[topic].event_type if kind == Subscription.Kind.TMF_HUB else topic


# --- hub queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """`eventType=A,B&event.productOrder.state=completed`: event types (any, if none) and equality
    filters on dotted paths of the hub body (a comma list means any of the values; a path through
    a list matches if any element does)."""

    event_types: frozenset[str] = frozenset()
    filters: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Query:
        types: set[str] = set()
        filters: list[tuple[str, frozenset[str]]] = []
        for key, value in parse_qsl((text or "").strip().lstrip("?"), keep_blank_values=True):
            key = key.strip()
            values = frozenset(v.strip() for v in value.split(",") if v.strip())
            if key == "eventType":
                types |= values
            elif key:
                filters.append((key, values))
        return cls(frozenset(types), tuple(filters))

    def matches(self, body: dict) -> bool:
        if self.event_types and body.get("eventType") not in self.event_types:
            return False
        return all(_path_has(body, path.split("."), wanted) for path, wanted in self.filters)


def _path_has(value: Any, path: list[str], wanted: frozenset[str]) -> bool:
    if isinstance(value, list):
        return any(_path_has(item, path, wanted) for item in value)
    if not path:
        text = json.dumps(value) if isinstance(value, bool) or value is None else str(value)
        return text in wanted
    if not isinstance(value, dict) or path[0] not in value:
        return False
    return _path_has(value[path[0]], path[1:], wanted)


# --- the active subscriptions, cached per carrier ------------------------------------------------

CACHE_SECONDS = 300
_VERSION_KEY = "outbox:subscriptions:version"  # the cache's key function adds the carrier's schema
_LIST_KEY = "outbox:subscriptions"


@dataclass(frozen=True)
class Active:
    id: int
    kind: str
    api: str
    topics: frozenset[str] = frozenset()
    query: Query = field(default_factory=Query)
    # a partner's hub hears only of its own account's orders and tickets (None: staff, or a webhook)
    owner: int | None = None

    def sees(self, resource_type: str, obj: Any) -> bool:
        """What the token's own GET would show: an order or ticket of its account; the catalogue is public."""
        if self.owner is None or resource_type not in OWNED:
            return True
        return getattr(obj, "user_id", None) == self.owner

    def wants(self, topic: str, spec: Topic) -> bool:
        """Before rendering: could this subscription want the topic at all."""
        if self.kind == Subscription.Kind.WEBHOOK:
            return topic in self.topics
        return (
            bool(spec.api)
            and spec.api == self.api
            and (not self.query.event_types or spec.event_type in self.query.event_types)
        )


OWNED = {"order", "ticket", "payment"}  # resources a partner sees only when its account's


def _from_db() -> list[Active]:
    found = []
    subs = (
        Subscription.objects.filter(active=True)
        .exclude(token__revoked_at__isnull=False)
        .exclude(token__expires_at__lte=timezone.now())  # an expired token's hubs hear nothing more
        .exclude(token__user__is_active=False)
        .select_related("token__user")
    )
    for sub in subs.order_by("pk"):
        if sub.kind == Subscription.Kind.WEBHOOK:
            found.append(Active(sub.pk, sub.kind, "", frozenset(sub.topics)))
        else:
            partner = sub.token is not None and not sub.token.user.is_staff
            owner = sub.token.user_id if partner and sub.token is not None else None
            found.append(Active(sub.pk, sub.kind, sub.api, query=Query.parse(sub.query), owner=owner))
    return found


def active_subscriptions() -> list[Active]:
    """The carrier's active subscriptions: from the cache when its version is current. A version,
    not a plain delete: a reader that queried before a subscription committed stores its list
    under the old version, which no later reader takes."""
    try:
        got = cache.get_many([_VERSION_KEY, _LIST_KEY])
    except Exception:  # noqa: BLE001 — the cache is an optimisation: without Redis, ask the database
        log.warning("outbox: subscription cache unavailable; reading the database", exc_info=True)
        return _from_db()
    version, listed = got.get(_VERSION_KEY), got.get(_LIST_KEY)
    if version is not None and isinstance(listed, tuple) and listed[0] == version:
        return listed[1]
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(_VERSION_KEY)
    subs = _from_db()
    cache.set(_LIST_KEY, (version, subs), CACHE_SECONDS)
    return subs


def forget_subscriptions() -> None:
    """A subscription changed: now (this transaction's own emits see it) and again on commit
    (a reader in between may have stored the list it read before the commit)."""

    def bump():
        try:
            cache.set(_VERSION_KEY, uuid.uuid4().hex, None)
        except Exception:  # noqa: BLE001 — entries expire after CACHE_SECONDS anyway
            log.exception("outbox: could not invalidate the subscription cache")

    bump()
    transaction.on_commit(bump, robust=True)


def wanted(topic: str) -> bool:
    """Whether any active subscription may want `topic` (no database query when cached): for a
    caller that must gather something first, e.g. the rows a bulk update is about to change."""
    spec = TOPICS[topic]
    return any(sub.wants(topic, spec) for sub in active_subscriptions())


# --- emit ------------------------------------------------------------------------------------


def emit(topic: str, resource_type: str, resource_id: object, obj: Any) -> OutboxEvent | None:
    """Record that `obj` (a `resource_type` with id `resource_id`) changed as `topic`, for every
    subscription that wants it. Call it inside the transaction of the change (outside one, it
    opens its own: the event is then not tied to the change). Returns the event, or None when no
    subscription wanted it (nothing written)."""
    spec = TOPICS[topic]  # an unknown topic is a programming error
    if in_public():  # the platform's own schema has no outbox
        return None
    subs = active_subscriptions()
    if not subs:
        return None
    wanting = [sub for sub in subs if sub.wants(topic, spec) and sub.sees(resource_type, obj)]
    if not wanting:
        return None
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return _write(topic, resource_type, resource_id, obj, spec, wanting)
    return _write(topic, resource_type, resource_id, obj, spec, wanting)


def _write(
    topic: str, resource_type: str, resource_id: object, obj: Any, spec: Topic, wanting: Iterable[Active]
) -> OutboxEvent | None:
    wanting = list(wanting)
    kinds = {sub.kind for sub in wanting}
    payload: dict[str, dict] = {}
    if Subscription.Kind.WEBHOOK in kinds:
        payload[HALL] = render(resource_type, HALL, resource_id, obj, topic)
    if Subscription.Kind.TMF_HUB in kinds:
        payload[TMF] = render(resource_type, TMF, resource_id, obj, topic)
    event = OutboxEvent(
        event_id=uuid.uuid4(),
        topic=topic,
        resource_type=resource_type,
        resource_id=str(resource_id),
        payload=jsonable(payload),
        created_at=timezone.now(),
    )
    hubs = [sub for sub in wanting if sub.kind == Subscription.Kind.TMF_HUB and sub.query.filters]
    if hubs:
        body = hub_body(event)
        refused = {sub.id for sub in hubs if not sub.query.matches(body)}
        wanting = [sub for sub in wanting if sub.id not in refused]
        if not wanting:
            return None
    event.save(force_insert=True)
    ids = [sub.id for sub in wanting]
    delivery, subscription = Delivery._meta.db_table, Subscription._meta.db_table
    with connection.cursor() as cursor:
        # by the database's truth, not the cache's: a subscription removed a moment ago gets nothing
        cursor.execute(
            f"INSERT INTO {delivery} (event_id, subscription_id, resource_key, status, attempts, next_attempt_at,"
            " last_error) SELECT %s, id, %s, %s, 0, %s, '' FROM " + subscription + " WHERE id = ANY(%s) AND active",
            [event.pk, f"{resource_type}:{resource_id}", Delivery.Status.PENDING, event.created_at, ids],
        )
    _deliver_after_commit()
    return event


def _sent_marker() -> None:
    """Marks a transaction whose commit already sends the delivery task (does nothing itself)."""


def _deliver_after_commit() -> None:
    """One delivery task per transaction, however many events it wrote (a catalogue import makes
    hundreds). The marker sits beside the task in the transaction's on-commit list, so a rolled
    back savepoint drops both and a later event registers them again."""
    pending = transaction.get_connection().run_on_commit
    if any(entry[1] is _sent_marker for entry in pending):
        return
    send_on_commit(DELIVER_TASK)
    transaction.on_commit(_sent_marker)
