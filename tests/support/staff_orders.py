"""Orders for the staff pages, made through the real services: a new SIM carried to delivered
(it waits for real-name verification), with a complaint ticket and a staff note on both."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection


def delivered_sim_order(carrier) -> object:
    """In the current transaction and tenant: place, pay and fulfil a new SIM order until it waits
    for the holder's portrait; open a complaint on it. Returns the order."""
    import contextlib
    import dataclasses

    from orders import fulfilment
    from orders.aftersales import staff, tickets
    from orders.fulfilment import steps
    from orders.models import Order
    from tests.support.orders import DETAILS, fresh_id, paid, place_sim_order, quick_gateways

    quick_gateways(carrier)
    connection.set_tenant(carrier)
    order, _number = place_sim_order(details=dataclasses.replace(DETAILS, holder_id_number=fresh_id()))
    order = paid(order)
    with contextlib.suppress(steps.Wait):  # delivered; activation waits for the portrait
        fulfilment.run(order.pk)
    order = Order.objects.get(pk=order.pk)
    admin = get_user_model().objects.get(username="admin")
    staff.act(order, "note", admin, "已电话联系用户，提醒上传照片")
    ticket = tickets.open_ticket(order.user, "complaint", order=order, description="快递员态度不好")
    tickets.add_note(ticket, admin, "已联系快递公司", internal=True)
    return order


def committed_delivered_sim_order(slug: str = "alpha") -> tuple[int, str]:
    """The same, committed in its own connection (a browser talks to another process)."""
    from tenants.models import Carrier
    from tests.support.clients import in_own_connection

    def work():
        order = delivered_sim_order(Carrier.objects.get(slug=slug))
        return order.pk, order.number

    return in_own_connection(work)
