"""A real Celery worker process runs each task in the schema of the carrier that sent it."""

from django.db import connection
from django_tenants.utils import schema_context

from operators.tasks import shop_probe
from tests.support.clients import CARRIER_A, CARRIER_B


def test_task_runs_in_the_senders_schema(carrier_a, carrier_b, celery_worker_process):
    with schema_context(carrier_a.schema_name):
        from_a = shop_probe.delay()
    with schema_context(carrier_b.schema_name):
        from_b = shop_probe.delay()
    assert from_a.get(timeout=30) == {"schema": "c_alpha", "primary_color": CARRIER_A["primary"]}
    assert from_b.get(timeout=30) == {"schema": "c_beta", "primary_color": CARRIER_B["primary"]}


def test_task_sent_from_the_public_schema_runs_in_public(db, celery_worker_process):
    assert connection.schema_name == "public"
    result = shop_probe.delay().get(timeout=30)
    assert result["schema"] == "public"
