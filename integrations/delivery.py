"""Delivering the outbox: POST each due delivery, signed, in order per (subscription, resource),
retried with back-off for three days.

- A delivery is picked with `SELECT … FOR UPDATE SKIP LOCKED` and its row stays locked while it
  is sent and recorded, in one transaction: two workers never send one delivery at the same time.
- A delivery waits while an earlier delivery of the same resource to the same subscription is
  pending (sending, backing off or not yet due): receivers see one resource's events in order.
  One that was given up no longer holds the others back.
- 2xx is delivered. Anything else (another status, a redirect, a timeout, a refused connection,
  a callback no longer allowed) is an attempt in the log and a next attempt after a back-off with
  jitter (10 s, 30 s, 1 min, 5 min, 15 min, 1 h, then every 3 h), until the event is three days
  old: then the delivery is given up (staff may replay it from the admin).
- At least once: a worker killed while it sends (SIGKILL, a lost node) takes its row lock with
  its connection and never records the outcome, so the delivery is still pending and is sent
  again by the next worker or by the periodic job (`deliver-outbox`, every 10 s, and
  `manage.py sweep`). The receiver may have got it the first time: receivers dedupe on the
  event id (`X-Hall-Event-Id`, the body's `eventId`/`id`).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.tasks import send, send_on_commit
from integrations import callbacks, outbox, signing
from integrations.models import Delivery, DeliveryAttempt, Subscription

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (10, 30, 60, 300, 900, 3600)
THEN_EVERY_SECONDS = 3 * 3600
WINDOW = timedelta(days=3)
TIMEOUT_SECONDS = 5.0  # HALL_OUTBOX_TIMEOUT_SECONDS
ERROR_LENGTH = 500
BATCH = 10  # deliveries locked and sent per transaction (each of another resource or subscription)
BATCH_SECONDS = 10.0  # a batch sends no more after this (slow receivers): a task stays within its time limit
TASK_BUDGET_SECONDS = 30.0  # below the task's soft time limit; what is left is sent on by a new task

# Due, and the first pending one of its (subscription, resource). The check is a correlated
# subquery on purpose: one probe of delivery_pending_per_resource per candidate, whatever the
# statistics say (as NOT EXISTS, the planner may scan every pending row per candidate).
_PICK = """
SELECT d.id FROM {delivery} d
WHERE d.status = 'pending' AND d.next_attempt_at <= %s
  AND d.event_id = (
    SELECT earlier.event_id FROM {delivery} earlier
    WHERE earlier.subscription_id = d.subscription_id AND earlier.resource_key = d.resource_key
      AND earlier.status = 'pending'
    ORDER BY earlier.event_id LIMIT 1)
ORDER BY d.event_id, d.id
LIMIT %s
FOR UPDATE OF d SKIP LOCKED
"""
_SAVE = """
UPDATE {delivery} AS d SET attempts = v.attempts, last_status = v.last_status, last_error = v.last_error,
  status = v.status, delivered_at = v.delivered_at, next_attempt_at = v.next_attempt_at
FROM (VALUES {rows}) AS v(id, attempts, last_status, last_error, status, delivered_at, next_attempt_at)
WHERE d.id = v.id
"""
_ROW = "(%s::bigint, %s::integer, %s::smallint, %s::varchar, %s::varchar, %s::timestamptz, %s::timestamptz)"


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt, with ±20 % jitter (so a receiver
    that comes back is not hit by every delivery at once). `HALL_OUTBOX_BACKOFF_SCALE` shrinks it
    for tests."""
    base = BACKOFF_SECONDS[attempts - 1] if 0 < attempts <= len(BACKOFF_SECONDS) else THEN_EVERY_SECONDS
    scale = float(getattr(settings, "HALL_OUTBOX_BACKOFF_SCALE", 1.0))
    return base * scale * random.uniform(0.8, 1.2)


@dataclass
class Outcome:
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


_local = threading.local()


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.trust_env = False  # no proxies or .netrc credentials from the environment
    return session


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def request_for(delivery: Delivery, ts: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The exact body and headers of a delivery (signed at `ts`, now by default)."""
    sub, event = delivery.subscription, delivery.event
    body = encode(outbox.body_for(sub.kind, event))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Hall-Outbox/1",
        "X-Hall-Event-Id": str(event.event_id),
        "X-Hall-Event-Type": outbox.event_type(sub.kind, event.topic),
        "X-Hall-Delivery": str(delivery.pk),
        signing.HEADER: signing.sign(sub.secret, body, int(time.time()) if ts is None else ts),
    }
    return body, headers


def post(delivery: Delivery) -> Outcome:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        url = callbacks.check(delivery.subscription.callback)
    except callbacks.CallbackRefused as exc:
        return Outcome(error=f"refused: {exc.message}")
    body, headers = request_for(delivery)
    timeout = float(getattr(settings, "HALL_OUTBOX_TIMEOUT_SECONDS", TIMEOUT_SECONDS))
    # requests' timeout bounds each read, not the answer: a receiver trickling its headers a byte at
    # a time would hold this worker until Celery's time limit. The POST runs in a thread of its own
    # and the worker waits for the whole answer twice the timeout at most, then moves on.
    answer: list[Outcome] = []
    session = _session()  # this worker thread's connections, kept alive between deliveries
    sender = threading.Thread(
        target=lambda: answer.append(_send(session, url, body, headers, timeout, took)), daemon=True
    )
    sender.start()
    sender.join(2 * timeout)
    if not answer:
        _local.session = None  # the stalled thread keeps that one; the next delivery opens its own
        return Outcome(error=f"no complete answer within {2 * timeout:g} s", duration_ms=took())
    return answer[0]


def _send(session: requests.Session, url: str, body: bytes, headers: dict, timeout: float, took) -> Outcome:
    try:
        response = session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True)
    except requests.Timeout:
        return Outcome(error=f"timed out after {timeout:g} s", duration_ms=took())
    except requests.RequestException as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH], duration_ms=took())
    error = ""
    try:
        if not 200 <= response.status_code < 300:  # what the receiver said, never more than a line of it
            said = response.raw.read(200, decode_content=True) or b""
            error = f"HTTP {response.status_code}: {said.decode(errors='replace')}"
    except (requests.RequestException, OSError, ValueError) as exc:
        error = f"HTTP {response.status_code} ({type(exc).__name__})"
    finally:
        response.close()
    return Outcome(response.status_code, error[:ERROR_LENGTH], took())


def _save(deliveries: list[Delivery]) -> None:
    """The deliveries' new state in one statement (Django's bulk_update builds CASE expressions
    that cost more than the POSTs)."""
    if not deliveries:
        return
    params: list = []
    for d in deliveries:
        params += [d.pk, d.attempts, d.last_status, d.last_error, d.status, d.delivered_at, d.next_attempt_at]
    sql = _SAVE.format(delivery=Delivery._meta.db_table, rows=", ".join([_ROW] * len(deliveries)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _outcome(delivery: Delivery, outcome: Outcome, now: datetime, give_up: bool = False) -> DeliveryAttempt:
    """Apply an attempt's outcome to the delivery (saved by the caller); the log row to write."""
    delivery.attempts += 1
    delivery.last_status = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, now
    else:
        ends = delivery.event.created_at + WINDOW
        if give_up or now >= ends:
            delivery.status = Delivery.Status.GAVE_UP
            log.warning("outbox: gave up delivery %s to %s: %s", delivery.pk, delivery.subscription_id, outcome.error)
        else:  # one last try at the end of the window
            delivery.next_attempt_at = min(now + timedelta(seconds=backoff(delivery.attempts)), ends)
    return DeliveryAttempt(
        delivery=delivery, status_code=outcome.status_code, duration_ms=outcome.duration_ms, error=outcome.error
    )


def _turned_off(sub: Subscription) -> bool:
    token = sub.token
    if token is None:
        return not sub.active
    ended = token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= timezone.now())
    return not sub.active or ended or not token.user.is_active


def deliver_batch(limit: int = BATCH, now: datetime | None = None) -> list[Delivery]:
    """Lock up to `limit` due deliveries nobody else is sending (at most one per subscription and
    resource: a later one waits for the earlier), send them one after the other and record each,
    in one transaction. An empty list when nothing is due."""
    now = now or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_PICK.format(delivery=Delivery._meta.db_table), [now, limit])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return []
        batch = list(
            Delivery.objects.select_related("event", "subscription__token__user")
            .filter(pk__in=ids)
            .order_by("event_id")
        )
        log_rows, started, sent = [], time.monotonic(), []
        for delivery in batch:
            if time.monotonic() - started > BATCH_SECONDS:  # the rest stay as they were, due, for the next pick
                break
            sent.append(delivery)
            if _turned_off(delivery.subscription):  # given up at once; staff may replay it
                outcome, give_up = Outcome(error="the subscription is turned off"), True
            else:
                outcome, give_up = post(delivery), False
            log_rows.append(_outcome(delivery, outcome, timezone.now(), give_up))
        DeliveryAttempt.objects.bulk_create(log_rows)
        _save(sent)
    return sent


def deliver_one(now: datetime | None = None) -> Delivery | None:
    """Send the first due delivery nobody else is sending; None when there is none."""
    batch = deliver_batch(1, now)
    return batch[0] if batch else None


def deliver_due(budget_seconds: float = TASK_BUDGET_SECONDS) -> int:
    """Send due deliveries for up to `budget_seconds`; what is left goes on in a new task.
    Returns the number of attempts made."""
    started, count = time.monotonic(), 0
    while batch := deliver_batch():
        count += len(batch)
        if time.monotonic() - started > budget_seconds:
            send(outbox.DELIVER_TASK)
            break
    return count


def replay(deliveries) -> int:
    """Put deliveries back to pending, due now (staff: "send again"); returns how many."""
    count = deliveries.update(status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), delivered_at=None)
    if count:
        send_on_commit(outbox.DELIVER_TASK)
    return count


def replay_from(event_id: int, subscription: Subscription | None = None) -> int:
    """Every delivery of event `event_id` and of every later event (to one subscription, or all)."""
    deliveries = Delivery.objects.filter(event_id__gte=event_id)
    if subscription is not None:
        deliveries = deliveries.filter(subscription=subscription)
    return replay(deliveries)
