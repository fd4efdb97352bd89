"""Thin Celery wrappers around the order services; each one is safe to run twice."""
from celery import shared_task
from django_tenants.utils import tenant_context

from tenants.gateways.payment import PaymentGatewayError
from tenants.services import shop_carriers

from . import closing, payments


@shared_task
def close_unpaid_orders() -> dict:
    """Beat, in the public schema: close overdue unpaid orders in every active carrier."""
    closed = {}
    for carrier in shop_carriers().filter(status="active"):
        with tenant_context(carrier):
            closed[carrier.slug] = closing.close_overdue()
    return closed


@shared_task(bind=True, acks_late=True, max_retries=8)
def submit_refund(self, refund_id: int) -> str:
    """In the schema of the carrier that sent it. The gateway dedupes by refund number."""
    try:
        return payments.submit_refund(refund_id)
    except PaymentGatewayError as exc:
        if not exc.transient:
            raise
        raise self.retry(countdown=min(5 * 2 ** self.request.retries, 600)) from exc
