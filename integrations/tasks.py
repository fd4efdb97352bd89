"""Thin Celery tasks of the outbox (integrations.delivery does the work; running one twice is harmless)."""

from celery import shared_task

from integrations import delivery
from tenants.services import dispatch_to_carriers


@shared_task(acks_late=True)
def deliver() -> int:
    """In a carrier's schema: send what is due there."""
    return delivery.deliver_due()


@shared_task
def deliver_everywhere() -> list[str]:
    """Beat, in the public schema: one delivery pass per active carrier (retries, and whatever a
    lost message or a killed worker left pending)."""
    return dispatch_to_carriers(deliver)
