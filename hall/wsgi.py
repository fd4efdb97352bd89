import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
application = get_wsgi_application()

if settings.PRODUCTION:  # no request is served by a carrier on simulated money (tenants.checks)
    from tenants.checks import refuse_to_start_with_simulators

    refuse_to_start_with_simulators()

# Every view imported now, not on each worker's first request (gunicorn preloads this module in
# its master: the workers fork ready and share these pages of memory).
import hall.urls_public  # noqa: E402,F401
import hall.urls_tenant  # noqa: E402,F401

connections.close_all()  # a connection opened above must not be shared by the forked workers
