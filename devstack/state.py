"""`.hall/stack.json`: where a running `hallctl up` says which ports it serves.

`up` writes it once its servers answer and removes it when it stops cleanly; `hallctl manage`
reads it so a command reaches the same PostgreSQL, Redis and web port without the operator
repeating `HALL_*` variables. The pid in it tells a live stack from a file left by a killed one.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "stack.json"


@dataclass(frozen=True)
class StackState:
    pid: int
    database_url: str  # the servers `up` uses (its embedded ones, or DATABASE_URL / REDIS_URL it was given)
    redis_url: str
    web_port: int
    started: str = ""  # core.clock.stamp() of the start, for people reading the file


def path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def write(data_dir: Path, state: StackState) -> None:
    target = path(data_dir)
    scratch = target.with_suffix(".tmp")
    scratch.write_text(json.dumps(asdict(state), indent=2) + "\n")
    scratch.chmod(0o600)  # a DATABASE_URL given to `up` may carry a password
    scratch.replace(target)  # readers never see half a file


def remove(data_dir: Path, pid: int | None = None) -> None:
    """Remove the file (only if it is `pid`'s, when given: never another live stack's)."""
    found = _load(path(data_dir))
    if found is not None and pid is not None and found.pid != pid:
        return
    path(data_dir).unlink(missing_ok=True)


def is_stack_process(pid: int) -> bool:
    """Is `pid` alive and a `hallctl up` (python -m devstack)? A reused pid is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc to ask: trust the live pid
    return any(b"devstack" in arg for arg in argv)


def _load(file: Path) -> StackState | None:
    try:
        raw = json.loads(file.read_text())
        return StackState(
            pid=int(raw["pid"]),
            database_url=str(raw["database_url"]),
            redis_url=str(raw["redis_url"]),
            web_port=int(raw["web_port"]),
            started=str(raw.get("started", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running(data_dir: Path) -> StackState | None:
    """The live `up` serving `data_dir`, or None (no file, an unreadable one, or a dead pid)."""
    found = _load(path(data_dir))
    if found is None or not is_stack_process(found.pid):
        return None
    return found
