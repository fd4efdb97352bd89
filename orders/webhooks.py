"""Hall's own JSON of orders, payments and after-sales tickets, as staff webhooks receive it
(integrations.outbox renders it when the change happens). Personal data stays out or masked:
no names, ID numbers, street addresses; phone numbers as 180****1999."""

from __future__ import annotations

from core.phone import mask_phone
from integrations.outbox import HALL, register_renderer
from orders.models import Order, Payment, Refund, Ticket


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def order_json(order: Order) -> dict:
    return {
        "id": order.pk,
        "number": order.number,
        "kind": order.kind,
        "status": order.status,
        "payable": str(order.payable),
        "goods_total": str(order.goods_total),
        "discount_total": str(order.discount_total),
        "deposit_total": str(order.deposit_total),
        "service_number": mask_phone(order.service_number),
        "contact_phone": mask_phone(order.contact_phone),
        "province": order.province,
        "city": order.city,
        "lines": [
            {
                "category": line.category,
                "offer_kind": line.offer_kind,
                "offer_id": line.offer_id,
                "name": line.name,
                "number": mask_phone(line.number),
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in order.lines.all()
        ],
        "placed_at": _when(order.created_at),
        "paid_at": _when(order.paid_at),
        "status_changed_at": _when(order.status_changed_at),
    }


def payment_json(obj: Payment | Refund) -> dict:
    if isinstance(obj, Refund):
        return {
            "order": obj.payment.order.number,
            "payment": obj.payment.out_trade_no,
            "refund": obj.out_refund_no,
            "amount": str(obj.amount),
            "status": obj.status,
            "finished_at": _when(obj.finished_at),
        }
    return {
        "order": obj.order.number,
        "payment": obj.out_trade_no,
        "adapter": obj.adapter,
        "amount": str(obj.amount),
        "status": obj.status,
        "paid_at": _when(obj.paid_at),
    }


def ticket_json(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "code": ticket.code,
        "kind": ticket.kind,
        "status": ticket.status,
        "order": ticket.order.number if ticket.order_id and ticket.order else None,
        "opened_at": _when(ticket.created_at),
        "updated_at": _when(ticket.updated_at),
        "answer_due_by": _when(ticket.sla_due_at),
    }


def register() -> None:
    register_renderer("order", HALL, order_json)
    register_renderer("payment", HALL, payment_json)
    register_renderer("ticket", HALL, ticket_json)
