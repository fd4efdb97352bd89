"""Carrying a paid order through its pipeline (declared in `pipelines.py`).

Each step runs at most once: its `FulfilmentStep` row says done, and the gateway call carries
the key `<order number>:<step>`, so a re-delivered task, a retry, a killed worker or a crash
between the call and the record has no second effect. Tasks are sent on commit; a sweeper
re-sends orders that sat too long (a lost message, a dead worker)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import send, send_on_commit
from orders.events import Action, record
from orders.fulfilment.pipelines import PIPELINES, Step
from orders.fulfilment.steps import Moves, Wait
from orders.models import FulfilmentStep, Order, OrderLine
from orders.models import OrderStatus as S
from orders.payments.services import request_refund
from orders.release import release_after_refund
from orders.states import IllegalTransition, transition
from tenants.gateways.errors import GatewayError

log = logging.getLogger(__name__)
GATEWAY_ERRORS = GatewayError  # every port's one error: `transient` decides retry or staff
RUNNING = {S.IN_FULFILMENT, S.SHIPPED, S.DELIVERED}
__all__ = [
    "PIPELINES",
    "RUNNING",
    "RetryLater",
    "Wait",
    "compensate",
    "enqueue",
    "give_up",
    "new_expiry",
    "run",
]


class RetryLater(Exception):
    """A transient failure: the task retries with backoff."""


def enqueue(order: Order, countdown: float = 0) -> None:
    """After the current transaction commits, have a worker carry the order on. If the broker is
    down the order is not lost: the sweeper finds it."""
    if order.kind in PIPELINES:
        send_on_commit("orders.tasks.run_fulfilment", (order.pk,), countdown)


def _mark(step: FulfilmentStep, **fields) -> None:
    FulfilmentStep.objects.filter(pk=step.pk).update(updated_at=timezone.now(), **fields)


def _attempt(order: Order, name: str) -> FulfilmentStep | None:
    """Start the step, or start it again: its record made or its attempts counted, in one statement
    (the unique (order, step) pair decides which). None if another run has finished or failed it
    meanwhile. Django's upsert cannot add to a column, hence the SQL."""
    table = connection.ops.quote_name(FulfilmentStep._meta.db_table)
    running, now = FulfilmentStep.Status.RUNNING, timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (order_id, step, status, attempts, result, error, started_at, updated_at) "
            "VALUES (%s, %s, %s, 1, '{}', '', %s, %s) "
            f"ON CONFLICT (order_id, step) DO UPDATE SET attempts = {table}.attempts + 1, updated_at = %s "
            f"WHERE {table}.status = %s RETURNING id, attempts, started_at",
            [order.pk, name, running, now, now, now, running],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, attempts, started_at = row
    return FulfilmentStep(pk=pk, order=order, step=name, status=running, attempts=attempts, started_at=started_at)


def _lock_and_finish(order: Order, step: FulfilmentStep, result: dict, elapsed_ms: int) -> bool:
    """Lock the order (its state read into `order`) and mark the step done, in one statement; call
    inside the transaction that writes the rest. The UPDATE joins the locked row, so the order is
    locked before the step, as everywhere. False if another run marked it (and wrote its event)."""
    steps, orders = (connection.ops.quote_name(m._meta.db_table) for m in (FulfilmentStep, Order))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH locked AS (SELECT id, status FROM {orders} WHERE id = %s FOR UPDATE), "
            f"done AS (UPDATE {steps} SET status = %s, result = %s, error = '', finished_at = %s, updated_at = %s, "
            f"duration_ms = %s FROM locked WHERE {steps}.id = %s AND {steps}.status = %s RETURNING 1) "
            "SELECT (SELECT status FROM locked), (SELECT count(*) FROM done)",
            [
                order.pk,
                FulfilmentStep.Status.DONE,
                FulfilmentStep._meta.get_field("result").get_db_prep_value(result, connection),
                now,
                now,
                elapsed_ms,
                step.pk,
                FulfilmentStep.Status.RUNNING,
            ],
        )
        order.status, marked = cursor.fetchone()
    return bool(marked)


def _adopt(order: Order, current: Order) -> Order:
    """The row as `current` has it (locked or just moved) into the run's own instance, which keeps
    the lines it prefetched."""
    for field in Order._meta.concrete_fields:
        setattr(order, field.attname, getattr(current, field.attname))
    return order


# A run reads the order's lines (and their offers) once; the steps read them through `lines.all()`.
LINES = Prefetch("lines", queryset=OrderLine.objects.select_related("offer"))


def run(order_id: int) -> str:
    """Run the order's due steps in order. Returns the order's state afterwards; raises Wait
    (run again later) or RetryLater (a transient failure).

    Per step: one statement starts it (`_attempt`), the step does its work at the carrier's
    systems, then one transaction locks the order once, writes the step done with its event and
    the move the step brings (delivered; completed after the last step), and sees a cancellation
    that came in meanwhile."""
    order = Order.objects.select_related("user").prefetch_related(LINES).get(pk=order_id)
    pipeline = PIPELINES.get(order.kind)
    if not pipeline:
        return order.status
    started_here = order.status == S.PAID and _start(order)
    if order.status not in RUNNING:
        return order.status
    # An order this run just started has no steps yet: another run starts them only after us.
    known = {} if started_here else {s.step: s for s in order.steps.all()}
    for index, step in enumerate(pipeline):
        done = known.get(step.name)
        if done is None or done.status == FulfilmentStep.Status.RUNNING:
            done = _attempt(order, step.name) or FulfilmentStep.objects.get(order=order, step=step.name)
        if done.status == FulfilmentStep.Status.DONE:
            continue
        if done.status == FulfilmentStep.Status.FAILED:
            return order.status  # staff decide: retry or compensate
        started = time.monotonic()
        try:
            outcome = step.perform(order, key=f"{order.number}:{step.name}")
        except Wait:
            _mark(done, error="")
            raise
        except GATEWAY_ERRORS as exc:
            if exc.transient:
                _mark(done, error=str(exc)[:300])
                raise RetryLater(str(exc)) from exc
            return _failed(order, pipeline, index, done, exc)
        elapsed = int((time.monotonic() - started) * 1000)
        following = pipeline[index + 1] if index + 1 < len(pipeline) else None
        if _completed(order, step.name, done, outcome, elapsed, following):
            compensate(order)  # cancelled while this step ran: undo what it just did
            return Order.objects.get(pk=order.pk).status
    if order.status in RUNNING:  # every step was done before this run (one that stopped short of completing)
        with contextlib.suppress(IllegalTransition):
            _adopt(order, transition(order, S.COMPLETED, Action.COMPLETED, expect=RUNNING))
    return order.status


def _start(order: Order) -> bool:
    """Paid → in fulfilment. False if another run started it (the order then has its state)."""
    try:
        _adopt(order, transition(order, S.IN_FULFILMENT, Action.FULFILMENT_STARTED, expect={S.PAID}))
    except IllegalTransition as exc:
        _adopt(order, exc.order)
        return False
    return True


def _completed(order: Order, name: str, done: FulfilmentStep, outcome, elapsed_ms: int, following: Step | None) -> bool:
    """The step's success written under the order's lock: done, its event, its move, the state the
    following step claims (completed after the last). True if the order was cancelled meanwhile
    (the caller undoes the step)."""
    moves = outcome if isinstance(outcome, Moves) else None
    result = moves.result if moves else outcome
    with transaction.atomic():
        if _lock_and_finish(order, done, result, elapsed_ms):
            record(order, Action(name), data=result, public=name not in QUIET_STEPS)
        if order.status not in RUNNING:
            return True
        if moves:
            with contextlib.suppress(IllegalTransition):  # moved already (a run before this one)
                transition(order, moves.to, moves.action, data=moves.data, expect=moves.expect or None, locked=True)
        if following is not None and following.claims is not None:
            with contextlib.suppress(IllegalTransition):  # claimed already: the step runs again
                to, action = following.claims
                transition(order, to, action, expect={S.IN_FULFILMENT}, locked=True)
        if following is None:
            with contextlib.suppress(IllegalTransition):
                transition(order, S.COMPLETED, Action.COMPLETED, expect=RUNNING, locked=True)
    return False


QUIET_STEPS = {"await_delivery", "await_verification"}  # their news has its own events


def compensate(order: Order) -> list[str]:
    """Undo every done step that can be undone, last first. Each undo carries its own key."""
    pipeline = {step.name: step for step in PIPELINES.get(order.kind, [])}
    undone = []
    for done in order.steps.filter(status=FulfilmentStep.Status.DONE).order_by("-finished_at", "-pk"):
        step = pipeline.get(done.step)
        if step is None or step.undo is None:
            continue
        try:
            step.undo(order, key=f"{order.number}:{step.name}")
            undone.append(step.name)
        except GATEWAY_ERRORS as exc:
            record(order, Action.COMPENSATION_FAILED, public=False, data={"step": step.name, "error": str(exc)})
            log.warning("order %s: undoing %s failed: %s", order.number, step.name, exc)
    if undone:
        record(order, Action.COMPENSATED, public=False, data={"steps": undone})
    return undone


def _failed(order: Order, pipeline, index: int, done: FulfilmentStep, exc) -> str:
    """A permanent refusal: staff take over; if the money can still simply go back (nothing has
    left the warehouse), what was done is undone and the payment refunded at once."""

    _mark(done, status=FulfilmentStep.Status.FAILED, error=str(exc)[:300], finished_at=timezone.now())
    order = transition(
        order,
        S.NEEDS_ATTENTION,
        Action.STEP_FAILED,
        reason=_("the carrier refused: %(code)s") % {"code": getattr(exc, "code", "error")},
        data={"step": done.step, "error": str(exc)},
    )
    if all(step.refundable_after for step in pipeline[:index]):
        compensate(order)
        request_refund(order, actor_label="system", reason=_("nothing was done: refunded automatically"))
        release_after_refund(order)
    return Order.objects.get(pk=order.pk).status


def give_up(order_id: int, error: str) -> str:
    """Retries ran out on a transient failure: staff take over."""
    order = Order.objects.get(pk=order_id)
    with contextlib.suppress(IllegalTransition):
        transition(
            order,
            S.NEEDS_ATTENTION,
            Action.STEP_FAILED,
            reason=_("the carrier's system kept failing"),
            data={"error": error[:200]},
            expect=RUNNING,
        )
    return Order.objects.get(pk=order_id).status


def new_expiry(order: Order) -> dt.date | None:
    step = order.steps.filter(step="renew_broadband", status=FulfilmentStep.Status.DONE).first()
    return dt.date.fromisoformat(step.result["expires_on"]) if step else None


def sweep_stuck(older_than: dt.timedelta) -> int:
    """Re-send every order in a pipeline that has not moved for a while (its message was lost
    with the broker, or its worker died). Running it again is harmless: steps are idempotent."""
    cutoff = timezone.now() - older_than
    stuck = (
        Order.objects.filter(kind__in=list(PIPELINES), status__in=[S.PAID, *RUNNING], status_changed_at__lt=cutoff)
        .exclude(steps__updated_at__gte=cutoff)
        .values_list("pk", flat=True)
        .distinct()
    )
    count = 0
    for order_id in stuck:
        send("orders.tasks.run_fulfilment", (order_id,))
        count += 1
    return count
