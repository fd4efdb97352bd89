"""hall.settings plus the bare baseline page, for the gunicorn that bench/storefront.py starts."""

from hall.settings import *  # noqa: F403

ROOT_URLCONF = "_storefront_urls"
# wrk is one client address: the per-visitor search limit (60 a minute) would answer 429. The
# limit's Redis count still runs on every request, as in production.
HALL_NUMBER_SEARCHES_PER_MINUTE = 10**9
