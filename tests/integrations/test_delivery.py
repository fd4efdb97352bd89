"""Delivery with real Celery worker processes, real PostgreSQL and Redis and a real HTTP receiver:
signed, in order per resource, retried through failures, time-outs and a receiver that is down,
at least once across a worker SIGKILLed mid-request, given up after three days, replayed by staff.

Time is advanced, not waited for: `next_attempt_at` is moved to the past (what the back-off would
reach an hour later)."""

import io
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from integrations import delivery, signing
from integrations.models import Delivery, DeliveryAttempt, OutboxEvent
from orders.events import Action
from orders.states import transition
from tests.support.clients import STAFF_PASSWORD, in_own_connection, sign_in, wait_until
from tests.support.outbox import clean, committed, deliveries, own_carrier, ship, shipping_order, webhook
from tests.support.receiver import Receiver
from tests.support.workers import Worker

pytestmark = pytest.mark.django_db  # (the database is set up; outbox rows are committed in threads)


@pytest.fixture(scope="module")
def omega(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return own_carrier("relay")


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def quiet(monkeypatch, omega):
    """Emits in this process send no task to the shared queue (another test's worker might take
    it): each test sends its own, to its own worker's queue. Everything is removed afterwards."""
    monkeypatch.setattr("integrations.outbox.send_on_commit", lambda *args, **kwargs: None)
    yield
    clean(omega)


def kick(carrier, queue: str) -> None:
    from integrations.tasks import deliver

    deliver.apply_async(queue=queue, headers={"_schema_name": carrier.schema_name})


def due_now(carrier) -> None:
    """An hour passes: every pending delivery is due."""
    committed(
        carrier,
        lambda: Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now() - timedelta(seconds=1)),
    )


def read(carrier, sub_id):
    return committed(carrier, lambda: deliveries(sub_id))


def statuses_by_order(received) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    for request in received:
        data = request.json["data"]
        got.setdefault(data["number"], []).append(data["status"])
    return got


def test_a_failing_hanging_then_absent_receiver_gets_every_event_once_in_order(omega, receiver, quiet):
    queue = f"outbox-{uuid.uuid4().hex[:6]}"
    worker = Worker(queues=queue, HALL_OUTBOX_TIMEOUT_SECONDS="1").start()
    try:
        sub_id, secret = committed(omega, lambda: webhook(url=receiver.url))
        orders = committed(omega, lambda: [shipping_order() for _ in range(2)])
        receiver.set("fail")
        for order in orders:
            committed(omega, lambda order=order: ship(order))  # three events each, one commit each
        events = read(omega, sub_id)
        assert len(events) == 6 and all(status == "pending" for _e, status, _a in events)
        kick(omega, queue)

        def firsts_tried(times, error=""):
            def check():
                rows = committed(
                    omega,
                    lambda: list(
                        Delivery.objects.filter(subscription_id=sub_id).values_list(
                            "resource_key", "attempts", "last_error"
                        )
                    ),
                )
                tried = [(attempts, last) for _key, attempts, last in rows if attempts]
                return len(tried) == 2 and all(a >= times and error in last for a, last in tried)

            return check

        wait_until(firsts_tried(1, "HTTP 500"), timeout=60, what="the first attempts (500)")
        # in order per resource: only each order's first event was tried; the later ones wait for it
        assert sorted(attempts for _e, _s, attempts in read(omega, sub_id)) == [0, 0, 0, 0, 1, 1]
        assert receiver.accepted == [] and len(receiver.arrived) == 2

        receiver.set("hang")  # past the (1 s) timeout
        due_now(omega)
        kick(omega, queue)
        wait_until(firsts_tried(2, "timed out"), timeout=60, what="the timed-out attempts")
        receiver.down()  # the port is closed
        due_now(omega)
        kick(omega, queue)
        wait_until(firsts_tried(3, "ConnectionError"), timeout=60, what="the refused connections")
        backed_off = committed(
            omega, lambda: list(Delivery.objects.filter(attempts=3).values_list("next_attempt_at", flat=True))
        )
        assert all(timedelta(seconds=45) < at - timezone.now() < timedelta(seconds=75) for at in backed_off)  # ~1 min

        receiver.start()  # back, answering 2xx
        receiver.set("ok")
        due_now(omega)
        kick(omega, queue)
        wait_until(
            lambda: all(status == "delivered" for _e, status, _a in read(omega, sub_id)),
            timeout=60,
            what="every delivery",
        )
    finally:
        worker.stop()
    accepted = receiver.accepted
    event_ids = committed(
        omega, lambda: [str(e) for e in OutboxEvent.objects.order_by("pk").values_list("event_id", flat=True)]
    )
    assert sorted(r.event_id for r in accepted) == sorted(event_ids)  # every event, once each
    assert statuses_by_order(accepted) == {order.number: ["shipped", "delivered", "completed"] for order in orders}
    for request in accepted:
        header = request.headers["X-Hall-Signature"]
        assert signing.verify(secret, header, request.body)
        assert not signing.verify(secret, header, request.body.replace(b"order.state_changed", b"order.created"))
        assert not signing.verify("whsec_other", header, request.body)
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Hall-Event-Type"] == "order.state_changed" == request.json["type"]
        assert request.json["id"] == request.event_id and request.json["createdAt"].endswith("Z")
    log = committed(omega, lambda: list(DeliveryAttempt.objects.order_by("pk").values_list("status_code", "error")))
    assert [code for code, _e in log].count(500) == 2 and sum(1 for _c, e in log if "timed out" in e) == 2
    assert sum(1 for code, _e in log if code == 204) == 6


def test_a_worker_killed_mid_delivery_leaves_it_pending_and_another_delivers_it(omega, receiver, quiet):
    queue = f"outbox-{uuid.uuid4().hex[:6]}"
    sub_id, secret = committed(omega, lambda: webhook(url=receiver.url))
    order = committed(omega, shipping_order)
    committed(omega, lambda: ship(order, ("shipped",)))
    receiver.set("hang")
    first = Worker(queues=queue, HALL_OUTBOX_TIMEOUT_SECONDS="60").start()
    try:
        kick(omega, queue)
        wait_until(lambda: len(receiver.arrived) == 1, timeout=60, what="the request to reach the receiver")
    finally:
        first.kill()  # SIGKILL, its children too, while the receiver holds the request
    receiver.set("ok")

    def free_and_pending():
        def unlocked():
            with transaction.atomic():
                return list(Delivery.objects.select_for_update(skip_locked=True).values_list("status", "attempts"))

        return committed(omega, unlocked) == [("pending", 0)]

    wait_until(free_and_pending, timeout=30, what="the killed worker's lock to go")  # nothing was recorded
    second = Worker(queues=queue).start()
    try:
        kick(omega, queue)
        wait_until(lambda: read(omega, sub_id)[0][1] == "delivered", timeout=60, what="the new worker's delivery")
    finally:
        second.stop()
    # at least once: it reached the receiver twice, was accepted once; the receiver dedupes on the id
    assert len(receiver.arrived) == 2 and len(receiver.accepted) == 1
    assert receiver.arrived[0].event_id == receiver.arrived[1].event_id
    assert signing.verify(secret, receiver.accepted[0].headers["X-Hall-Signature"], receiver.accepted[0].body)


def test_a_later_event_never_overtakes_an_earlier_one_that_fails(omega, receiver, quiet):
    queue = f"outbox-{uuid.uuid4().hex[:6]}"
    sub_id, _secret = committed(omega, lambda: webhook(url=receiver.url))
    order = committed(omega, shipping_order)
    committed(omega, lambda: ship(order, ("shipped",)))
    committed(omega, lambda: ship(order, ("delivered",)))
    first_event = committed(omega, lambda: str(OutboxEvent.objects.order_by("pk").first().event_id))
    receiver.fail_event_ids.add(first_event)
    worker = Worker(queues=queue, concurrency=4).start()
    try:
        for _ in range(4):  # four processes at once: still one at a time per resource
            kick(omega, queue)
        wait_until(lambda: read(omega, sub_id)[0][2] >= 1, timeout=60, what="the first attempt")
        for _ in range(3):
            due_now(omega)
            kick(omega, queue)
            wait_until(lambda: len(receiver.arrived) >= 2, timeout=30)
        rows = read(omega, sub_id)
        assert rows[0][1] == "pending" and rows[1] == (rows[1][0], "pending", 0)  # the second waits, untried
        assert {r.event_id for r in receiver.arrived} == {first_event} and receiver.accepted == []
        receiver.fail_event_ids.clear()
        due_now(omega)
        kick(omega, queue)
        wait_until(lambda: [s for _e, s, _a in read(omega, sub_id)] == ["delivered"] * 2, timeout=60)
    finally:
        worker.stop()
    assert [r.json["data"]["status"] for r in receiver.accepted] == ["shipped", "delivered"]


def test_parallel_deliverers_send_each_once_and_in_order_per_resource(omega, receiver, quiet):
    sub_id, _secret = committed(omega, lambda: webhook(url=receiver.url))
    orders = committed(omega, lambda: [shipping_order() for _ in range(6)])
    for order in orders:
        committed(omega, lambda order=order: ship(order))

    def deliverer():
        committed(omega, lambda: delivery.deliver_due(budget_seconds=60))

    threads = [threading.Thread(target=deliverer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [s for _e, s, _a in read(omega, sub_id)] == ["delivered"] * 18
    assert len(receiver.arrived) == 18 == len({r.event_id for r in receiver.arrived})
    assert statuses_by_order(receiver.accepted) == {o.number: ["shipped", "delivered", "completed"] for o in orders}


def test_emit_then_commit_sends_the_task_and_a_worker_delivers(omega, receiver, celery_worker_process):
    """The natural path: no kick, no sweep. The change commits, its task goes to the broker."""
    try:
        sub_id, _secret = committed(omega, lambda: webhook(url=receiver.url))
        order = committed(omega, shipping_order)
        committed(omega, lambda: ship(order, ("shipped",)))
        wait_until(lambda: read(omega, sub_id)[0][1] == "delivered", timeout=60, what="the delivery")
        assert [r.json["data"]["status"] for r in receiver.accepted] == ["shipped"]
    finally:
        clean(omega)


def test_the_sweep_sends_what_is_due(omega, receiver, quiet):
    from django.core.management import call_command

    sub_id, _secret = committed(omega, lambda: webhook(url=receiver.url))
    order = committed(omega, shipping_order)
    committed(omega, lambda: ship(order, ("shipped",)))
    out = io.StringIO()
    in_own_connection(lambda: call_command("sweep", "--carrier", omega.slug, "--lang", "en", stdout=out))
    assert "event deliveries attempted" in out.getvalue()
    assert read(omega, sub_id)[0][1] == "delivered" and len(receiver.accepted) == 1


# --- in one transaction (rolled back): the three-day window and the admin -------------------------


def test_back_off_then_gave_up_after_three_days_then_replayed_from_the_admin(in_carrier_a, receiver):
    sub_id, _secret = webhook(url=receiver.url)
    order = shipping_order()
    transition(order.pk, "shipped", Action.NOTE)
    receiver.set("fail")
    first = delivery.deliver_one()
    assert first is not None and first.status == "pending" and first.attempts == 1 and first.last_status == 500
    assert timedelta(seconds=7) < first.next_attempt_at - timezone.now() < timedelta(seconds=13)  # 10 s ± jitter
    assert delivery.deliver_one() is None  # not due yet
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(days=3) + timedelta(seconds=5))
    Delivery.objects.update(next_attempt_at=timezone.now())
    second = delivery.deliver_one()
    assert second.status == "pending" and second.next_attempt_at <= second.event.created_at + delivery.WINDOW
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(days=3, seconds=1))
    Delivery.objects.update(next_attempt_at=timezone.now())
    third = delivery.deliver_one()
    assert (third.status, third.attempts) == ("gave_up", 3)
    assert delivery.deliver_one() is None

    from tests.support.clients import host_client

    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    for page in (
        "/admin/integrations/subscription/",
        f"/admin/integrations/subscription/{sub_id}/change/",
        "/admin/integrations/outboxevent/",
        f"/admin/integrations/outboxevent/{third.event_id}/change/",
        "/admin/integrations/delivery/",
        f"/admin/integrations/delivery/{third.pk}/change/",
    ):
        assert staff.get(page).status_code == 200, page
    listed = staff.get("/admin/integrations/subscription/").content.decode()
    assert receiver.url in listed
    response = staff.post(
        "/admin/integrations/delivery/", {"action": "replay_deliveries", "_selected_action": [third.pk]}
    )
    assert response.status_code == 302
    replayed = Delivery.objects.get(pk=third.pk)
    assert replayed.status == "pending" and replayed.next_attempt_at <= timezone.now()
    receiver.set("ok")
    assert delivery.deliver_one().status == "delivered"
    assert len(receiver.accepted) == 1 and DeliveryAttempt.objects.filter(delivery=third).count() == 4


def test_staff_add_a_webhook_and_send_again_from_an_event(in_carrier_a, receiver):
    from integrations.models import Subscription
    from tests.support.clients import host_client

    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    refused = staff.post(
        "/admin/integrations/subscription/add/",
        {"callback": "ftp://x.example.com/", "topics": ["order.state_changed"], "active": "on"},
    )
    assert refused.status_code == 200 and not Subscription.objects.exists()
    response = staff.post(
        "/admin/integrations/subscription/add/",
        {"callback": receiver.url, "topics": ["order.state_changed", "order.created"], "active": "on"},
        follow=True,
    )
    sub = Subscription.objects.get()
    assert (sub.kind, sub.query, sub.created_by.username) == ("webhook", "order.created,order.state_changed", "admin")
    assert sub.secret and sub.secret in response.content.decode()  # shown once, on the page after saving
    assert sub.secret not in staff.get(f"/admin/integrations/subscription/{sub.pk}/change/").content.decode()
    order = shipping_order()
    ship(order)
    while delivery.deliver_one() is not None:
        pass
    assert [r.json["data"]["status"] for r in receiver.accepted] == ["shipped", "delivered", "completed"]
    second = OutboxEvent.objects.order_by("pk")[1]
    staff.post("/admin/integrations/outboxevent/", {"action": "send_again_from", "_selected_action": [second.pk]})
    assert [s for _e, s, _a in deliveries(sub.pk)] == ["delivered", "pending", "pending"]
    while delivery.deliver_one() is not None:
        pass
    assert [r.json["data"]["status"] for r in receiver.accepted] == ["shipped", "delivered", "completed"] + [
        "delivered",
        "completed",
    ]


def test_a_receiver_trickling_its_answer_does_not_hold_the_worker(in_carrier_a, settings):
    """requests bounds each read only: one byte every second would never time out by itself."""
    import socket
    import threading
    import time

    from integrations.delivery import post
    from integrations.models import Delivery, OutboxEvent, Subscription

    settings.HALL_OUTBOX_TIMEOUT_SECONDS = 1.5
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def trickle():
        conn, _addr = listener.accept()
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
            if stop.wait(1.0):
                break
            conn.send(bytes([byte]))
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    sub = Subscription.objects.create(
        kind="webhook", callback=f"http://127.0.0.1:{listener.getsockname()[1]}/", query="order.created", secret="s"
    )
    event = OutboxEvent.objects.create(
        event_id=uuid.uuid4(), topic="order.created", resource_type="order", resource_id="1", payload={}
    )
    delivery = Delivery.objects.create(subscription=sub, event=event, next_attempt_at=timezone.now())
    started = time.monotonic()
    outcome = post(delivery)
    stop.set()
    listener.close()
    assert not outcome.ok and "no complete answer" in outcome.error
    assert time.monotonic() - started < 5
