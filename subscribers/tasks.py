"""Thin Celery wrappers: numbers that left the carrier are unbound, once a day per carrier."""

from celery import shared_task

from subscribers import bindings
from tenants.services import dispatch_to_carriers


@shared_task
def unbind_departed_numbers() -> list[str]:
    """Beat, in the public schema: one task per active carrier."""
    return dispatch_to_carriers(unbind_departed_in_carrier)


@shared_task(acks_late=True)
def unbind_departed_in_carrier() -> int:
    return bindings.sweep_departed()
