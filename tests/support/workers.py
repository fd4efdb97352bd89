"""Celery worker processes a test may SIGKILL: each in its own process group, so the kill takes
its children too, with extra environment (e.g. a short outbox timeout)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from tests.support.clients import PROJECT, subprocess_env


class Worker:
    def __init__(self, concurrency: int = 2, queues: str = "", **env: str):
        self.log = open(Path(tempfile.mkdtemp()) / "worker.log", "w+")  # noqa: SIM115 — closed in stop()
        self.process: subprocess.Popen | None = None
        self.concurrency = concurrency
        self.queues = queues  # e.g. a test's own queue, so that no other worker takes its tasks
        self.env = dict(subprocess_env(), **env)

    def start(self) -> Worker:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hall",
                "worker",
                "-l",
                "warning",
                "-c",
                str(self.concurrency),
                "-n",
                f"outbox-{uuid.uuid4().hex[:6]}@%h",
                "--without-mingle",
                "--without-gossip",
                *(["-Q", self.queues] if self.queues else []),
            ],
            cwd=PROJECT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log_tail(self, chars: int = 4000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-chars:]

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
