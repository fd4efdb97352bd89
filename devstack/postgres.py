"""A small launcher for the PostgreSQL 16 binaries that the `pgserver` wheel ships.

We do not use pgserver's own Python API: as root it opens read/execute on every parent folder
of the data dir. PostgreSQL refuses to run as root, so as root we run it as an unprivileged
system user, with the binaries copied next to the data where that user can reach them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

SYSTEM_USER = "hallpg"
DB_USER = "hall"
DB_NAME = "hall"


def _pgserver_dir() -> Path:
    # Located, not imported: importing pgserver sets up its own server machinery we do not use.
    spec = importlib.util.find_spec("pgserver")
    return Path(spec.submodule_search_locations[0])


def _is_root() -> bool:
    return os.geteuid() == 0


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
        )


def _run_as_owner(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if _is_root():
        kwargs.update(user=SYSTEM_USER, group=SYSTEM_USER, extra_groups=[])  # drop root's groups
    return subprocess.run(args, **kwargs)


def _reachable_by_system_user(path: Path) -> bool:
    probe = _run_as_owner(["test", "-x", str(path)], capture_output=True)
    return probe.returncode == 0


class EmbeddedPostgres:
    """One cluster in `root` (data, binaries, log), listening on 127.0.0.1:`port` only."""

    def __init__(self, root: Path, port: int, durable: bool = True):
        self.root = Path(root).absolute()
        self.port = port
        self.durable = durable
        if _is_root():
            _ensure_system_user()
            self.root.mkdir(parents=True, exist_ok=True)
            if not _reachable_by_system_user(self.root):
                # e.g. a checkout under /root (mode 0700): keep the cluster in a folder the
                # system user can reach and leave a symlink in the project's data folder.
                self.root = self._relocate(self.root)
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"

    @staticmethod
    def _relocate(wanted: Path) -> Path:
        digest = hashlib.sha1(str(wanted).encode()).hexdigest()[:12]
        target = Path("/var/lib/hall") / f"pg-{digest}"
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target.parent, 0o755)
        link = wanted / "cluster"
        if not link.is_symlink():
            link.symlink_to(target)
        return target

    @property
    def url(self) -> str:
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def _bin(self, name: str) -> str:
        return str(self._install_dir() / "bin" / name)

    def _install_dir(self) -> Path:
        if not _is_root():
            return _pgserver_dir() / "pginstall"
        # Keep the wheel's layout: the binaries find libpq at $ORIGIN/../../../pgserver.libs.
        copied = self.root / "pg16"
        installed = copied / "pgserver" / "pginstall"
        if not (installed / "bin" / "postgres").exists():
            src = _pgserver_dir()
            shutil.rmtree(copied, ignore_errors=True)
            copied.mkdir(parents=True)
            shutil.copytree(src / "pginstall", installed, symlinks=True)
            libs = src.parent / "pgserver.libs"
            if libs.exists():
                shutil.copytree(libs, copied / "pgserver.libs", symlinks=True)
            _chown_tree(copied)
        return installed

    def _owned(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(path, SYSTEM_USER, SYSTEM_USER)

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def start(self) -> None:
        self._owned(self.root)
        if not self.initialised():
            self._owned(self.data)
            os.chmod(self.data, 0o700)
            _run_as_owner(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    DB_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
            )
        if self.running():
            return
        if not self.log.exists():
            self.log.touch()
            if _is_root():
                shutil.chown(self.log, SYSTEM_USER, SYSTEM_USER)
        options = f"-p {self.port} -h 127.0.0.1 -k ''"
        if not self.durable:  # throwaway test clusters trade crash safety for speed
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            options += " -c max_connections=600"  # races and flash-sale benchmarks open hundreds
        result = _run_as_owner(
            [self._bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL did not start on port {self.port}:\n{result.stdout}{result.stderr}\n"
                f"--- {self.log} ---\n{self.log.read_text()[-3000:]}"
            )
        self._wait_ready()
        self._ensure_database()

    def running(self) -> bool:
        if not self.initialised():
            return False
        status = _run_as_owner([self._bin("pg_ctl"), "-D", str(self.data), "status"], capture_output=True)
        return status.returncode == 0

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [self._bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL on port {self.port} is not accepting connections")

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [self._bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, "-d", database, "-tAc", sql],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def _ensure_database(self) -> None:
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") != "1":
            self.psql(f'CREATE DATABASE "{DB_NAME}"')

    def stop(self) -> None:
        if self.running():
            _run_as_owner(
                [self._bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                capture_output=True,
            )


def _chown_tree(path: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(path):
        shutil.chown(dirpath, SYSTEM_USER, SYSTEM_USER)
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                shutil.chown(full, SYSTEM_USER, SYSTEM_USER)
