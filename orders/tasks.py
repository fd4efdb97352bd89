"""Thin Celery wrappers around the order services; each one is safe to run twice.

Periodic work that concerns every carrier is dispatched as one task per carrier (sent with the
carrier's schema), so a slow or broken carrier cannot hold up the others."""

import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from orders import discounts, fulfilment
from orders.aftersales import closing, tickets
from orders.fulfilment import verification
from orders.payments import payouts
from orders.payments import services as payments
from promotions import tasks as promotion_tasks
from tenants.gateways.payment import PaymentGatewayError
from tenants.gateways.realname import ProviderError
from tenants.services import dispatch_to_carriers


@shared_task
def close_unpaid_orders() -> list[str]:
    """Beat, in the public schema: one closing task per active carrier."""
    return dispatch_to_carriers(close_unpaid_in_carrier)


@shared_task(acks_late=True)
def close_unpaid_in_carrier() -> dict:
    return closing.close_overdue()


@shared_task
def settle_promotions() -> list[str]:
    """Beat, in the public schema: one promotions sweep per active carrier."""
    return dispatch_to_carriers(settle_promotions_in_carrier)


@shared_task(acks_late=True)
def settle_promotions_in_carrier() -> dict:
    """Reservations no order explains any more, expired coupons, red packets not yet credited."""
    return {**discounts.sweep(), **promotion_tasks.promotions_in_carrier()}


@shared_task
def credit_due_payouts() -> list[str]:
    """Beat, in the public schema: one payout task per active carrier."""
    return dispatch_to_carriers(credit_due_payouts_in_carrier)


@shared_task(acks_late=True)
def credit_due_payouts_in_carrier() -> dict:
    return payouts.credit_due()


@shared_task(bind=True, acks_late=True, max_retries=8)
def submit_refund(self, refund_id: int) -> str:
    """In the schema of the carrier that sent it. The gateway dedupes by refund number."""
    try:
        return payments.submit_refund(refund_id)
    except PaymentGatewayError as exc:
        if exc.transient and self.request.retries < self.max_retries:
            raise self.retry(countdown=min(5 * 2**self.request.retries, 600)) from exc
        payments.refund_failed(refund_id, str(exc))  # refused, or never got through: staff take over
        return "failed"


@shared_task(bind=True, acks_late=True, max_retries=8)
def run_fulfilment(self, order_id: int) -> str:
    """In the carrier's schema. Transient failures retry with exponential backoff and jitter."""
    try:
        return fulfilment.run(order_id)
    except fulfilment.Wait as wait:  # not a failure: look again later (a parcel, a verification)
        run_fulfilment.apply_async((order_id,), countdown=wait.seconds)
        return f"waiting: {wait.why}"
    except fulfilment.RetryLater as exc:
        if self.request.retries >= self.max_retries:
            return fulfilment.give_up(order_id, str(exc))
        delay = min(5 * 2**self.request.retries, 900) * random.uniform(0.8, 1.2)
        raise self.retry(countdown=delay) from exc


@shared_task
def sweep_stuck_orders() -> list[str]:
    """Beat, in the public schema: one sweeper per active carrier."""
    return dispatch_to_carriers(sweep_stuck_in_carrier)


@shared_task(acks_late=True)
def sweep_stuck_in_carrier() -> dict:
    after = timedelta(seconds=settings.HALL_STUCK_AFTER_SECONDS)
    return {"orders": fulfilment.sweep_stuck(after), "refunds": payments.resubmit_stuck_refunds(after)}


@shared_task
def escalate_overdue_tickets() -> list[str]:
    """Beat, in the public schema: one escalation pass per active carrier."""
    return dispatch_to_carriers(escalate_overdue_tickets_in_carrier)


@shared_task(acks_late=True)
def escalate_overdue_tickets_in_carrier() -> int:
    return tickets.escalate_overdue()


# Real-name verification. The two per-verification tasks keep the names they had in realname/ so
# that messages queued before an upgrade still find their task.
@shared_task(bind=True, acks_late=True, max_retries=8, name="realname.tasks.send_to_provider")
def send_to_provider(self, verification_id: int) -> str:
    try:
        outcome = verification.send_to_provider(verification_id)
    except ProviderError as exc:
        if not exc.transient:
            raise
        raise self.retry(countdown=min(5 * 2**self.request.retries, 600)) from exc
    poll_provider.apply_async((verification_id,), countdown=2)
    return outcome


@shared_task(bind=True, acks_late=True, max_retries=60, name="realname.tasks.poll_provider")
def poll_provider(self, verification_id: int) -> str:
    try:
        outcome = verification.poll(verification_id)
    except ProviderError as exc:
        if not exc.transient:
            raise
        outcome = "pending"
    if outcome == "pending":
        raise self.retry(countdown=min(2 * (self.request.retries + 1), 60))
    return outcome


@shared_task
def remind_and_recycle_verifications() -> list[str]:
    """Beat, in the public schema: one task per active carrier."""
    return dispatch_to_carriers(remind_and_recycle_verifications_in_carrier)


@shared_task(acks_late=True)
def remind_and_recycle_verifications_in_carrier() -> dict:
    return verification.remind_and_recycle()
