"""The order's receipt (购物凭证): what was bought at what price, each promotion's discount and
reason, the gifts, and what was paid — the document the subscriber keeps or prints."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from core.http import SignedInRequest
from orders.models import OrderLine
from orders.models import OrderStatus as S
from orders.selectors import my_order

UNPAID = {S.AWAITING_PAYMENT, S.CLOSED_UNPAID, S.CANCELLED}


@login_required
def order_receipt(request: SignedInRequest, number: str):
    order = my_order(request.user, number)
    if order.status in UNPAID or order.paid_at is None:
        raise Http404("no receipt before payment")
    lines = list(order.lines.all())
    return render(
        request,
        "orders/receipt.html",
        {
            "tab": "me",
            "order": order,
            "lines": [line for line in lines if line.category != OrderLine.Category.GIFT],
            "gifts": [line for line in lines if line.category == OrderLine.Category.GIFT],
            "discounts": list(order.discounts.all()),
        },
    )
