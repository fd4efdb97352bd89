"""Hall's settings for the server that schemathesis drives: the same, but with the API's request
limits out of the way (a fuzzer sends hundreds of requests a minute from one address; a 429 in
the middle would hide the answers under test, and make failures flaky to reproduce)."""

from hall.settings import *  # noqa: F403
from hall.settings import REST_FRAMEWORK

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"}}
HALL_PROMO_CODES_PER_HOUR = 100000  # the fuzzer types thousands of codes
