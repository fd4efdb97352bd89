"""The order page's live sections: what each shows, as a short fingerprint the page polls. It reads
across fulfilment and after-sales, so it sits above them, beside the pages."""

from __future__ import annotations

import hashlib

from orders import fulfilment
from orders.aftersales import tickets
from orders.models import Order


def live_signatures(order: Order) -> dict[str, str]:
    """A short fingerprint of what each live section of the order page shows: the page swaps a
    section in when its fingerprint changes (the status, the verification and its choices, the
    monthly returns, the after-sales choices, the renewal)."""
    verification = getattr(order, "verification", None)
    parts = {
        "head": order.status,
        "verification": (
            f"{order.status}:{verification.status}:{verification.reason}:{verification.attempts}:"
            f"{verification.identity_id}"
        )
        if verification
        else "",
        "payouts": ",".join(order.payouts.order_by("due_on").values_list("status", flat=True)),
        "aftersales": order.status
        + ":"
        + ",".join(tickets.kinds_for(order))
        + ":"
        + ",".join(f"{pk}{status}" for pk, status in order.tickets.values_list("pk", "status")),
        "renewed": str(fulfilment.new_expiry(order) or ""),
    }
    return {name: hashlib.blake2s(value.encode(), digest_size=6).hexdigest() for name, value in parts.items()}
