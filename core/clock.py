"""One clock for every log line: the platform's time zone, stated in each stamp.

Settings (TIME_ZONE, the log formats), the Celery app and the `hallctl up` supervisor all read it
from here, so web, worker, beat and the stack never print two clocks side by side. No Django
imports: the supervisor runs without settings.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

TIME_ZONE = "Asia/Shanghai"  # the carriers' time (China Standard Time), also settings.TIME_ZONE
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S %z"  # e.g. 2026-12-01 23:40:01 +0800: the offset says which clock
ZONE = ZoneInfo(TIME_ZONE)


def stamp(when: float | None = None) -> str:
    """`when` (a POSIX time; default now) on the platform's clock, e.g. "2026-12-01 23:40:01 +0800"."""
    moment = dt.datetime.now(ZONE) if when is None else dt.datetime.fromtimestamp(when, ZONE)
    return moment.strftime(STAMP_FORMAT)


class ClockFormatter(logging.Formatter):
    """A logging formatter whose %(asctime)s is `stamp()`, whatever the process's own TZ says."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return stamp(record.created)
