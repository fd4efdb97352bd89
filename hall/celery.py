"""The Celery app. It must be tenant-schemas-celery's CeleryApp: a plain Celery() would run
every task in the public schema."""
import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

app = CeleryApp("hall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
