"""A small process supervisor for `hallctl up`: web, Celery worker and beat side by side.

It replaces honcho, whose manager stops every process as soon as any one exits (audit finding
F-M7: a SIGKILLed worker took the whole stack down and nothing restarted it). Here a process that
exits on its own is restarted with a back-off; only SIGINT (Ctrl-C) or SIGTERM to the supervisor
stops them all. Each child runs in its own process group, so the supervisor, not the terminal,
decides how children stop, and a dead child's leftovers (e.g. Celery pool processes) can be
cleaned up as one group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.clock import stamp

BACKOFF_FIRST = 1.0  # seconds before the first restart of a process that keeps exiting
BACKOFF_CAP = 30.0
HEALTHY_RUN = 60.0  # a process that ran this long exited by accident, not in a crash loop
STOP_GRACE = 10.0  # how long children get to stop after SIGTERM before SIGKILL
TICK = 0.1  # polling interval: exits and restarts need no finer resolution

COLOURS = ("36", "33", "32", "35", "34", "31")  # ANSI, only used when the output is a terminal


def backoff(failures: int) -> float:
    """Delay before restarting a process that has now exited `failures` times in a row."""
    return min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(failures - 1, 0))


@dataclass
class _Child:
    name: str
    command: list[str]
    proc: subprocess.Popen | None = None
    reader: threading.Thread | None = None
    started_at: float = 0.0
    failures: int = 0  # consecutive short runs; drives the back-off
    restarts: int = 0
    restart_at: float | None = None


class Supervisor:
    """Run `commands` (name -> argv) until SIGINT/SIGTERM; `run()` returns the exit code."""

    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        env: Mapping[str, str],
        cwd: str | Path,
        out: BinaryIO | None = None,
        grace: float = STOP_GRACE,
        log_prefix: str = "[hall]",
    ):
        self.children = {name: _Child(name, list(argv)) for name, argv in commands.items()}
        self.env = dict(env)
        self.cwd = str(cwd)
        self.grace = grace
        self.log_prefix = log_prefix
        # Raw bytes: children print UTF-8 (Chinese carrier names) whatever our locale says.
        self._out = out if out is not None else sys.stdout.buffer
        self._width = max(len(name) for name in self.children)
        self._colour = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(self.children)}
        try:
            self._tty = self._out.isatty()
        except (AttributeError, ValueError):
            self._tty = False
        self._lock = threading.Lock()  # one writer at a time, so lines never interleave
        self._stop_signal: int | None = None
        self._kill_now = False

    # -- output ---------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        with self._lock:
            try:
                self._out.write(data)
                self._out.flush()
            except (OSError, ValueError):  # a closed or broken stdout must not stop the stack
                pass

    def log(self, message: str) -> None:
        self._write(f"{stamp()} {self.log_prefix} {message}\n".encode())

    def _pump(self, name: str, stream: BinaryIO) -> None:
        """Copy one child's output line by line, each prefixed with the time and its name. The time is
        the platform's clock with its offset (core.clock), the one clock of every line `up` prints:
        under the supervisor the processes' own log formats leave their time out (HALL_SUPERVISED)."""
        label = f"{name.ljust(self._width)} | "
        if self._tty:
            label = f"\033[{self._colour[name]}m{label}\033[0m"
        with stream:
            for line in iter(stream.readline, b""):
                self._write(f"{stamp()} {label}".encode() + line.rstrip(b"\r\n") + b"\n")

    # -- signals --------------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: object) -> None:
        # Only set flags: the main loop does the work (and the printing, which is not reentrant).
        if self._stop_signal is None:
            self._stop_signal = signum
        else:
            self._kill_now = True

    # -- children -------------------------------------------------------------------------------

    def _start(self, child: _Child) -> None:
        child.proc = subprocess.Popen(
            child.command,
            env=self.env,
            cwd=self.cwd,
            # Not the terminal: a background process group reading it would be stopped (SIGTTIN).
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,  # its own group: Ctrl-C reaches only us, and we stop it as a group
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        self.log(f"{child.name} started (pid={child.proc.pid})")  # before its first line of output
        child.reader = threading.Thread(
            target=self._pump, args=(child.name, child.proc.stdout), name=f"out-{child.name}", daemon=True
        )
        child.reader.start()

    @staticmethod
    def _signal_group(pgid: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signum)

    def _reap(self, child: _Child, block: bool = False) -> int | None:
        """The child's exit code if it has exited (then forgotten), else None."""
        assert child.proc is not None
        pid = child.proc.pid
        try:
            # WNOWAIT: look without reaping, so the leader stays a zombie and its pid (= the
            # group id) cannot be reused while we kill what is left of its group below.
            flags = os.WEXITED | os.WNOWAIT | (0 if block else os.WNOHANG)
            if os.waitid(os.P_PID, pid, flags) is None:
                return None
        except ChildProcessError:
            pass  # already reaped; Popen.wait() still reports a code
        # Orphans of a dead leader, e.g. the pool processes of a SIGKILLed Celery worker, would
        # keep running old work next to the replacement; they go with their leader.
        self._signal_group(pid, signal.SIGKILL)
        rc = child.proc.wait()
        if child.reader is not None:
            child.reader.join(timeout=1)  # print its last lines before we report the exit
        child.proc = child.reader = None
        return rc

    def _tick(self) -> None:
        now = time.monotonic()
        for child in self.children.values():
            if child.proc is not None:
                rc = self._reap(child)
                if rc is None:
                    continue
                ran = now - child.started_at
                child.failures = 1 if ran >= HEALTHY_RUN else child.failures + 1
                delay = backoff(child.failures)
                child.restarts += 1
                child.restart_at = now + delay
                self.log(f"{child.name} exited (rc={rc}); restarting in {delay:g} s (restart {child.restarts})")
            elif child.restart_at is not None and now >= child.restart_at:
                self._start(child)

    def _running(self) -> list[_Child]:
        return [child for child in self.children.values() if child.proc is not None]

    def _stop_all(self) -> None:
        assert self._stop_signal is not None
        names = ", ".join(c.name for c in self._running()) or "nothing"
        self.log(f"{signal.Signals(self._stop_signal).name} received; stopping {names}")
        for child in self._running():
            self._signal_group(child.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while self._running() and not self._kill_now and time.monotonic() < deadline:
            for child in self._running():
                rc = self._reap(child)
                if rc is not None:
                    self.log(f"{child.name} stopped (rc={rc})")
            time.sleep(TICK)
        if self._running():
            why = "second signal" if self._kill_now else f"still running after {self.grace:g} s"
            self.log(f"{why}: killing {', '.join(c.name for c in self._running())}")

    def _kill_all(self) -> None:
        for child in self._running():
            self._signal_group(child.proc.pid, signal.SIGKILL)
        for child in self._running():
            self._reap(child, block=True)

    def run(self) -> int:
        """Start every child, keep them running until SIGINT/SIGTERM, then stop them all.
        Returns 130 after SIGINT (the shell's code for Ctrl-C), 0 after SIGTERM (a requested stop)."""
        # Handlers first: a Ctrl-C during start-up must still stop what was already started.
        previous = {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children.values():
                if self._stop_signal is None:
                    self._start(child)
            while self._stop_signal is None:
                self._tick()
                time.sleep(TICK)
            self._stop_all()
        finally:
            self._kill_all()  # whatever happened above, leave no child (or grandchild) behind
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 130 if self._stop_signal == signal.SIGINT else 0
