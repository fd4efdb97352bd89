import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
application = get_wsgi_application()

if settings.PRODUCTION:  # no request is served by a carrier on simulated money (tenants.checks)
    from tenants.checks import refuse_to_start_with_simulators

    refuse_to_start_with_simulators()
