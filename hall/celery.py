"""The Celery app. It must be tenant-schemas-celery's CeleryApp: a plain Celery() would run
every task in the public schema."""
import os

from celery import signals
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

app = CeleryApp("hall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_simulators_in_production(**_kwargs) -> None:
    from django.conf import settings

    if settings.PRODUCTION:  # a worker would carry simulated-money orders on (tenants.checks)
        from django.core.exceptions import ImproperlyConfigured

        from tenants.checks import refuse_to_start_with_simulators

        try:
            refuse_to_start_with_simulators()
        except ImproperlyConfigured as exc:  # Celery logs and ignores a signal handler's exceptions
            raise SystemExit(str(exc)) from None
