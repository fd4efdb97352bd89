"""Shared helpers for the benchmarks: Django set-up and a requests/s measurement."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")


def setup_django():
    import django

    django.setup()


def requests_per_second(client, path, seconds=3.0, warmup=20, **extra):
    """Sequential requests through the whole middleware stack (in-process WSGI test client)."""
    for _ in range(warmup):
        assert client.get(path, **extra).status_code == 200
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        client.get(path, **extra)
        count += 1
    return count / (time.perf_counter() - started)
