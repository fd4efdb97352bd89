"""The periodic-job registry: a job is declared once and both beat's schedule and `manage.py sweep`
are made from the same list (the project's list is `hall/jobs.py`). Dotted paths, so settings can
read the list before the apps are loaded.

A job's `task` runs in beat's public schema and fans out to the carriers (or does the work for
all of them); `in_carrier` is the work in one carrier's schema, the function the fan-out calls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds
    task: str
    in_carrier: str = ""  # run by `manage.py sweep`, in each carrier's schema ("" for platform-only jobs)
    label: str = ""  # what the sweep's table calls the result


def beat_schedule(jobs: Iterable[Job]) -> dict[str, dict]:
    return {job.name: {"task": job.task, "schedule": float(job.every)} for job in jobs}


def sweeps(jobs: Iterable[Job]) -> tuple[Job, ...]:
    return tuple(job for job in jobs if job.in_carrier)
