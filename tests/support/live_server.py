"""A real web server process (gunicorn, as in production) on the test database, for tests that
speak HTTP to it: the browser tests and the API schema tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from devstack.redis import free_port

PROJECT = Path(__file__).resolve().parents[2]


@dataclass
class LiveServer:
    port: int
    log_path: Path

    def log_tail(self, chars: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def database_env(**extra: str) -> dict:
    """The environment for a process on pytest-django's test database and the same media folder.
    Call it after django_db_setup, which has renamed the database to the test one."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    assert db["NAME"].startswith("test_"), db["NAME"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return dict(
        os.environ,
        DATABASE_URL=f"postgresql://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        HALL_TESTING="1",
        HALL_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        HALL_TRACKING_POLL_SECONDS="1",
        **extra,
    )


def stop(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within `grace` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 2, timeout: float = 60.0):
    """Start `gunicorn -c python:hall.gunicorn hall.wsgi` on a free port of 127.0.0.1; stop it afterwards."""
    port = free_port()
    log_path = Path(tempfile.mkdtemp()) / "web.log"
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:hall.gunicorn",  # as `up`, compose and the chart run it
                "hall.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "--access-logfile",
                "-",
            ],
            cwd=PROJECT,
            env={**env, "HALL_PUBLIC_PORT": str(port)},  # gateway callbacks come back here
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise AssertionError("web server died:\n" + log_path.read_text(errors="replace")[-3000:])
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.monotonic() > deadline:
                    raise AssertionError(f"timed out after {timeout}s waiting for gunicorn")
                time.sleep(0.2)
            yield LiveServer(port, log_path)
        finally:
            stop(proc)
