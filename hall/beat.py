"""Beat sends each periodic job once, however many beat processes run.

One beat is the plan (compose runs one, the Helm chart's beat Deployment has one replica and the
Recreate strategy), but a second one appears easily: a rolling update that starts the new pod
before the old one stops, `--scale beat=2`, a partitioned node whose pod is replaced while it
still runs. Before sending a due job, beat claims it in Redis for most of its period
(`SET NX PX`); a beat that finds the job claimed skips that run. So two beats, in step or not,
send every job once per period, and a restarted beat (its schedule file is per container and
starts empty) does not repeat what the old one sent a moment ago: the schedule that matters lives
in Redis, not in the file.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

import redis
from celery.beat import PersistentScheduler, ScheduleEntry
from django.conf import settings

log = logging.getLogger(__name__)
CLAIM_KEY = "hall:beat:claim:{name}"
# A claim holds for this share of the period: long enough that a second beat out of step skips
# the run, short enough that the next run (one period later) is free again despite tick jitter.
CLAIM_SHARE = 0.9
CRONTAB_CLAIM_SECONDS = 50.0  # crontab entries fire at most once a minute


def claim_seconds(entry: ScheduleEntry) -> float:
    every = getattr(entry.schedule, "run_every", None)
    if isinstance(every, timedelta):
        return max(every.total_seconds() * CLAIM_SHARE, 0.5)
    return CRONTAB_CLAIM_SECONDS


class OnceScheduler(PersistentScheduler):
    """Celery's file-backed scheduler, with each send claimed in Redis first (see the module)."""

    _client: redis.Redis | None = None

    def __init__(self, *args, **kwargs):
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        super().__init__(*args, **kwargs)

    def claims(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        return self._client

    def claim(self, entry: ScheduleEntry) -> bool:
        try:
            return bool(
                self.claims().set(
                    CLAIM_KEY.format(name=entry.name), self.me, nx=True, px=int(claim_seconds(entry) * 1000)
                )
            )
        except redis.RedisError as exc:  # the broker is this Redis too: the send fails and is logged
            log.warning("could not claim %s (%s); sending anyway", entry.name, exc)
            return True

    def apply_entry(self, entry, producer=None):
        if not self.claim(entry):
            log.info("Scheduler: %s was sent by another beat; skipped", entry.name)
            return
        super().apply_entry(entry, producer=producer)
