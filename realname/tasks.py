"""Thin Celery wrappers: arguments are ids only, never personal data."""

from celery import shared_task

from realname import services
from tenants.gateways.realname import ProviderError
from tenants.services import dispatch_to_carriers


@shared_task(bind=True, acks_late=True, max_retries=8)
def send_to_provider(self, verification_id: int) -> str:
    try:
        outcome = services.send_to_provider(verification_id)
    except ProviderError as exc:
        if not exc.transient:
            raise
        raise self.retry(countdown=min(5 * 2**self.request.retries, 600)) from exc
    poll_provider.apply_async((verification_id,), countdown=2)
    return outcome


@shared_task(bind=True, acks_late=True, max_retries=60)
def poll_provider(self, verification_id: int) -> str:
    try:
        outcome = services.poll(verification_id)
    except ProviderError as exc:
        if not exc.transient:
            raise
        outcome = "pending"
    if outcome == "pending":
        raise self.retry(countdown=min(2 * (self.request.retries + 1), 60))
    return outcome


@shared_task
def remind_and_recycle() -> list[str]:
    """Beat, in the public schema: one task per active carrier."""
    return dispatch_to_carriers(remind_and_recycle_in_carrier)


@shared_task(acks_late=True)
def remind_and_recycle_in_carrier() -> dict:
    return services.remind_and_recycle()
