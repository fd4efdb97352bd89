"""Thin Celery wrappers around the promotion services."""

from __future__ import annotations

from celery import shared_task

from promotions import services
from tenants.gateways.bss import BssError


@shared_task(bind=True, acks_late=True, max_retries=20)
def credit_red_packet(self, coupon_id: int) -> str:
    """In the schema of the carrier that sent it; the packet's key makes a retry credit once."""
    try:
        return services.credit_red_packet(coupon_id)
    except BssError as exc:
        raise self.retry(countdown=min(5 * 2**self.request.retries, 600)) from exc


def promotions_in_carrier() -> dict[str, int]:
    """The periodic work in one carrier's schema: expire coupons, retry waiting red packets."""
    return {"expired": services.expire_coupons(), "credited": services.credit_waiting_packets()}


@shared_task(acks_late=True)
def generate_codes(batch_id: int, target: int) -> int:
    """Codes until the batch holds `target` (a redelivered message makes only what is missing)."""
    return services.generate_up_to(batch_id, target)
