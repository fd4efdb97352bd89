"""Thin Celery wrappers around the number inventory services."""

from celery import shared_task
from django_tenants.utils import schema_context

from numberpool import holds, tiers
from numberpool.importing import run_upload
from tenants.models import Carrier
from tenants.services import shop_carriers


@shared_task
def sweep_number_holds() -> dict:
    """Beat, in the public schema: release expired holds in every active carrier."""
    released = {}
    for carrier in shop_carriers().filter(status=Carrier.Status.ACTIVE):
        with schema_context(carrier.schema_name):
            released[carrier.slug] = holds.sweep_expired()
    return released


@shared_task(acks_late=True)
def reclassify_numbers() -> int:
    """Runs in the schema of the carrier that sent it (tenant-schemas-celery); idempotent."""
    return tiers.reclassify()


@shared_task(acks_late=True)
def load_number_upload(upload_id: int) -> str:
    """A staff upload of numbers, in the schema of the carrier that sent it."""

    return run_upload(upload_id)
