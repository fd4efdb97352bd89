"""The Celery app. It must be tenant-schemas-celery's CeleryApp: a plain Celery() would run
every task in the public schema."""

import logging
import os

from celery import signals
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask

from core.caches import BoundedTTLCache
from core.clock import ClockFormatter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
_MISSING = object()


class _TenantCache:
    """tenant-schemas-celery's cache interface over a bounded one: its own keeps every schema a
    worker has served, and every expired entry, for the worker's lifetime."""

    entries: BoundedTTLCache = BoundedTTLCache(max_entries=1024)

    def get(self, key, default):
        found = self.entries.get(key, _MISSING)
        return default if found is _MISSING else found

    def set(self, key, value, expire_seconds):
        self.entries.set(key, value, expire_seconds)


class HallTask(TenantTask):
    abstract = True

    @classmethod
    def tenant_cache(cls):
        return _TenantCache()


app = CeleryApp("hall", task_cls=HallTask)
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


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _one_clock_and_a_ready_line(logger: logging.Logger, loglevel: int, **_kwargs) -> None:
    # Celery's own formatters stamp %(asctime)s with the process's clock and no zone; give them
    # the platform's (core.clock), keeping their colours.
    for handler in logger.handlers:
        if handler.formatter is not None:
            handler.formatter.formatTime = ClockFormatter.formatTime.__get__(handler.formatter)
    if loglevel > logging.INFO:
        # Quiet (`hallctl up` without --verbose): the worker still says "celery@… ready." once,
        # the line that tells a (re)started worker takes tasks again.
        logging.getLogger("celery.apps.worker").setLevel(logging.INFO)
