"""After-sales tickets: each kind's state machine (every allowed and forbidden move), what each
decision does to the order, SLA escalation, staff handling, the subscriber's pages."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from numberpool.models import MobileNumber
from orders import fulfilment
from orders.aftersales import tickets
from orders.fulfilment import steps
from orders.models import Order, Ticket
from tenants.simulators.models import SimShipment, SimSubscriber
from tests.support.clients import STAFF_PASSWORD, host_client, sign_in
from tests.support.orders import PASSWORD, paid, place_sim_order

K, T = Ticket.Kind, Ticket.Status


def shipped_order():
    order, number = place_sim_order()
    order = paid(order)
    with pytest.raises(steps.Wait):
        fulfilment.run(order.pk)  # delivered; waiting for real-name verification
    return Order.objects.get(pk=order.pk), number


def _ticket(user, kind, status):
    return Ticket.objects.create(user=user, kind=kind, status=status, sla_due_at=timezone.now() + timedelta(hours=1))


@pytest.mark.parametrize("kind", [K.COMPLAINT, K.FAULT])
def test_state_machine_table(quick, kind):
    from tests.support.orders import subscriber

    user = subscriber()
    allowed_total = 0
    for before, after in itertools.product(T.values, T.values):
        ticket = _ticket(user, kind, before)
        if after in tickets.MACHINES[kind].get(before, set()):
            tickets.move(ticket, after, note="table")
            assert Ticket.objects.get(pk=ticket.pk).status == after
            allowed_total += 1
        else:
            with pytest.raises(tickets.IllegalTicketMove):
                tickets.move(ticket, after)
            assert Ticket.objects.get(pk=ticket.pk).status == before
    assert allowed_total == sum(len(v) for v in tickets.MACHINES[kind].values())


def test_cancel_before_shipment_is_decided_at_once(quick):
    order, number = place_sim_order()
    order = paid(order)
    ticket = tickets.open_ticket(order.user, K.CANCEL, order=order, description="买错了")
    assert ticket.status == T.RESOLVED and Order.objects.get(pk=order.pk).status == "refunding"
    assert MobileNumber.objects.get(number=number).status == "cooling"
    shipped, _n = shipped_order()
    with pytest.raises(tickets.TicketError):  # after shipment, cancel is not offered: a return is
        tickets.open_ticket(shipped.user, K.CANCEL, order=shipped)
    assert K.RETURN in tickets.kinds_for(shipped)


def test_return_of_an_unactivated_card(quick):
    order, number = shipped_order()
    ticket = tickets.open_ticket(order.user, K.RETURN, order=order, description="不想要了")
    with pytest.raises(tickets.TicketError):
        tickets.open_ticket(order.user, K.RETURN, order=order)  # one open request of a kind
    for step in (T.APPROVED, T.RECEIVED, T.RESOLVED):
        tickets.move(ticket, step, actor_label="staff")
    order.refresh_from_db()
    assert order.status == "refunding"
    assert not SimSubscriber.objects.filter(number=number).exists()  # released at the carrier
    assert MobileNumber.objects.get(number=number).status == "cooling"


def test_no_return_after_activation_or_outside_the_window(quick):
    order, _number = shipped_order()
    order.events.filter(action="delivered").update(at=timezone.now() - timedelta(days=8))
    assert K.RETURN not in tickets.kinds_for(order)
    with pytest.raises(tickets.TicketError):
        tickets.open_ticket(order.user, K.RETURN, order=order)


def test_replacement_posts_a_new_card_and_refund_requests_refund(quick):
    order, _number = shipped_order()
    ticket = tickets.open_ticket(order.user, K.REPLACEMENT, order=order, description="卡坏了")
    tickets.move(ticket, T.IN_PROGRESS, actor_label="staff")
    assert SimShipment.objects.filter(key=f"ticket:{ticket.pk}:ship").exists()
    tickets.move(ticket, T.RESOLVED, actor_label="staff")
    Order.objects.filter(pk=order.pk).update(status="completed")
    refund = tickets.open_ticket(order.user, K.REFUND, order=Order.objects.get(pk=order.pk))
    tickets.move(refund, T.IN_PROGRESS)
    tickets.move(refund, T.RESOLVED)
    assert Order.objects.get(pk=order.pk).status == "refunding"


def test_fault_needs_an_offered_slot_and_overdue_tickets_escalate_once(quick):
    from tests.support.orders import subscriber

    user = subscriber()
    tickets.escalate_overdue(now=timezone.now() + timedelta(days=30))  # settle tickets browser tests committed
    with pytest.raises(tickets.TicketError):
        tickets.open_ticket(user, K.FAULT, account="BB1800001", appointment_at=timezone.now())
    slot = tickets.fault_slots()[0]
    ticket = tickets.open_ticket(user, K.FAULT, account="BB1800001", appointment_at=slot)
    assert ticket.sla_due_at > timezone.now() + timedelta(hours=47)
    assert tickets.escalate_overdue() == 0
    assert tickets.escalate_overdue(now=timezone.now() + timedelta(hours=49)) == 1
    assert tickets.escalate_overdue(now=timezone.now() + timedelta(hours=50)) == 0
    assert ticket.events.get(action="escalated").internal


def test_staff_handle_and_internal_notes_stay_internal(quick):
    order, _number = shipped_order()
    ticket = tickets.open_ticket(order.user, K.COMPLAINT, order=order, description="快递太慢")
    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    page = staff.get(f"/admin/orders/ticket/{ticket.pk}/change/").content.decode()
    assert 'data-testid="ticket-actions"' in page
    staff.post(f"/admin/orders/ticket/{ticket.pk}/act/", {"action": "note", "note": "客户很着急，优先处理"})
    staff.post(f"/admin/orders/ticket/{ticket.pk}/act/", {"action": "in_progress", "note": "已联系快递"})
    staff.post(f"/admin/orders/ticket/{ticket.pk}/act/", {"action": "resolved", "note": "已道歉并补偿"})
    assert Ticket.objects.get(pk=ticket.pk).status == T.RESOLVED
    subscriber = host_client("alpha.localhost")
    subscriber.post("/me/login/", {"username": order.user.username, "password": PASSWORD})
    mine = subscriber.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "已联系快递" in mine and "已道歉并补偿" in mine and "客户很着急" not in mine


def test_subscriber_opens_a_request_from_the_order_page(quick):
    order, _number = shipped_order()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": order.user.username, "password": PASSWORD})
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert 'data-testid="after-sales"' in page and 'value="return"' in page and 'value="cancel"' not in page
    response = client.post(f"/orders/{order.number}/tickets/", {"kind": "complaint", "description": "包装破损"})
    ticket = Ticket.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert client.get("/tickets/").content.decode().count('data-testid="ticket-row"') == 1
    other = host_client("alpha.localhost")
    assert other.get(f"/tickets/{ticket.pk}/").status_code == 302  # not signed in


@pytest.mark.parametrize(
    ("kind", "status", "offered"),
    [
        ("broadband_renewal", "completed", {K.COMPLAINT, K.FAULT}),
        ("broadband_renewal", "paid", {K.COMPLAINT}),  # renewed at the BSS at once: nothing to cancel
        ("deposit_credit", "completed", {K.COMPLAINT}),  # 活动期内不可退订, and no card to replace
        ("top_up", "completed", {K.COMPLAINT}),
        ("top_up", "needs_attention", {K.REFUND, K.COMPLAINT}),  # not applied: refundable
        ("new_sim", "paid", {K.CANCEL, K.COMPLAINT}),
        ("new_sim", "completed", {K.REFUND, K.REPLACEMENT, K.COMPLAINT}),
        ("device", "completed", {K.REFUND, K.COMPLAINT}),
    ],
)
def test_after_sales_choices_fit_the_order_kind(quick, kind, status, offered):
    order, _number = place_sim_order()
    Order.objects.filter(pk=order.pk).update(kind=kind, status=status)
    assert set(tickets.kinds_for(Order.objects.get(pk=order.pk))) == offered


def test_an_empty_complaint_is_refused(quick):
    order, _number = shipped_order()
    with pytest.raises(tickets.TicketError, match="几句话|what happened"):
        tickets.open_ticket(order.user, K.COMPLAINT, order=order, description="   ")
    assert not order.tickets.exists()


def test_the_carriers_systems_are_never_called_while_the_ticket_row_is_locked(quick, monkeypatch):
    """Releasing the number and posting a replacement happen between the check and the write, in
    no transaction of the move's own; a refund that cannot be made is found before either."""
    from django.db import connection

    from tenants.gateways import gateway

    depth = len(connection.savepoint_ids)  # the test's own transaction
    calls = []
    for system, method in (("bss", "release_number"), ("logistics", "create_shipment")):
        cls = type(gateway(system))
        real = getattr(cls, method)

        def watched(self, *args, _real=real, _name=method, **kwargs):
            calls.append((_name, len(connection.savepoint_ids) - depth))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, watched)
    order, _number = shipped_order()
    replacement = tickets.open_ticket(order.user, K.REPLACEMENT, order=order, description="卡坏了")
    tickets.move(replacement, T.IN_PROGRESS, actor_label="staff")
    assert replacement.events.filter(action="shipped").exists()
    returned, _n = shipped_order()
    ticket = tickets.open_ticket(returned.user, K.RETURN, order=returned, description="不要了")
    for step in (T.APPROVED, T.RECEIVED, T.RESOLVED):
        tickets.move(ticket, step, actor_label="staff")
    assert Order.objects.get(pk=returned.pk).status == "refunding"
    assert {name for name, _nested in calls} == {"create_shipment", "release_number"}
    assert all(nested == 0 for _name, nested in calls), calls
    # a refund that cannot be made (one is under way already) is found before the number is released
    from orders.payments import services as payments

    other, _m = shipped_order()
    late = tickets.open_ticket(other.user, K.RETURN, order=other, description="不要了")
    for step in (T.APPROVED, T.RECEIVED):
        tickets.move(late, step, actor_label="staff")
    payments.request_refund(Order.objects.get(pk=other.pk), reason="staff refunded by hand")
    calls.clear()
    with pytest.raises(tickets.TicketError):
        tickets.move(late, T.RESOLVED, actor_label="staff")
    assert calls == [] and Ticket.objects.get(pk=late.pk).status == T.RECEIVED
