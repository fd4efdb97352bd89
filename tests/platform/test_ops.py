"""Issue 15, items 13 and 14: the operator's commands and `hallctl up`'s output.

`hallctl manage` finds the running `up` from its data folder (stack.json with a live pid) or says in
one line which variables to set; every command speaks zh-hans unless `--lang en`, prints tables
(never Python dicts), draws progress bars that are not styled as errors; `up` is quiet unless
`--verbose` and every line it prints carries one clock, the platform's, with its offset."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from core.clock import ClockFormatter, stamp
from core.commands import table
from devstack import state as stack_state
from devstack.__main__ import _celery
from devstack.redis import free_port
from devstack.supervisor import Supervisor
from tests.support.clients import PROJECT, wait_until
from tests.support.live_server import database_env

CLOCK = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800"  # Asia/Shanghai, stated


@pytest.fixture
def fake_up():
    """A live process that looks like `python -m devstack up` (its argv names devstack)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "devstack"])
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    wait_until(lambda: b"devstack" in cmdline.read_bytes(), timeout=10, what="the fake up to exec")  # not yet exec'd
    yield proc.pid
    proc.kill()
    proc.wait()


def _state(pid, database_url="postgresql://hall@127.0.0.1:1/hall", web_port=18123):
    return stack_state.StackState(
        pid=pid, database_url=database_url, redis_url="redis://127.0.0.1:2/0", web_port=web_port, started=stamp()
    )


# -- hallctl manage finds the running stack -------------------------------------------------------


def test_a_live_stacks_file_is_found_a_dead_or_foreign_pid_is_not(tmp_path, fake_up):
    assert stack_state.running(tmp_path) is None  # no file
    stack_state.write(tmp_path, _state(fake_up))
    found = stack_state.running(tmp_path)
    assert found is not None and found.web_port == 18123 and found.database_url.endswith(":1/hall")

    dead = subprocess.Popen([sys.executable, "-c", "pass", "devstack"])
    dead.wait()
    stack_state.write(tmp_path, _state(dead.pid))
    assert stack_state.running(tmp_path) is None  # left by a killed `up`
    stack_state.write(tmp_path, _state(os.getpid()))
    assert stack_state.running(tmp_path) is None  # a live pid, but not a stack (reused)

    stack_state.write(tmp_path, _state(fake_up))
    stack_state.remove(tmp_path, pid=os.getpid())  # another stack's stop leaves it alone
    assert stack_state.path(tmp_path).exists()
    stack_state.remove(tmp_path, pid=fake_up)
    assert not stack_state.path(tmp_path).exists()
    stack_state.path(tmp_path).write_text("{not json")
    assert stack_state.running(tmp_path) is None


def _bare_env(data_dir, **extra):
    """An operator's shell: none of the variables that would name the servers."""
    hidden = {"DATABASE_URL", "REDIS_URL", "HALL_PG_PORT", "HALL_REDIS_PORT", "HALL_PORT", "HALL_PUBLIC_PORT"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    return {**env, "HALL_DATA_DIR": str(data_dir), **extra}


def test_hallctl_manage_uses_the_running_ups_servers_and_port(django_db_setup, tmp_path, fake_up):
    database_url = database_env()["DATABASE_URL"]  # the test database, as if `up` served it
    stack_state.write(tmp_path, _state(fake_up, database_url=database_url, web_port=18123))
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "manage", "list_carriers"],
        cwd=PROJECT,
        env=_bare_env(tmp_path, HALL_TESTING="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "http://alpha.localhost:18123/" in result.stdout  # the stack's web port, not 8000
    assert f"running `hallctl up` (pid {fake_up}" in result.stderr
    assert "PostgreSQL" not in result.stderr  # no claim about servers it did not start


def test_an_unreachable_database_is_one_clear_line_not_a_traceback(tmp_path, fake_up):
    closed = free_port()
    env = _bare_env(
        tmp_path, DATABASE_URL=f"postgresql://hall@127.0.0.1:{closed}/hall", REDIS_URL=f"redis://127.0.0.1:{closed}/0"
    )
    direct = subprocess.run(
        [sys.executable, "manage.py", "list_carriers", "--lang", "en"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert direct.returncode == 1 and "Traceback" not in direct.stderr
    assert len(direct.stderr.strip().splitlines()) == 1, direct.stderr
    assert f"127.0.0.1:{closed}" in direct.stderr and "DATABASE_URL" in direct.stderr

    # through hallctl, also when a stale-looking stack.json points at a stopped server
    stack_state.write(tmp_path, _state(fake_up, database_url=f"postgresql://hall@127.0.0.1:{closed}/hall"))
    for extra in ({"DATABASE_URL": f"postgresql://hall@127.0.0.1:{closed}/hall"}, {}):
        via = subprocess.run(
            [sys.executable, "-m", "devstack", "manage", "list_carriers"],
            cwd=PROJECT,
            env=_bare_env(tmp_path, **extra),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert via.returncode == 1 and "Traceback" not in via.stderr, via.stderr
        assert "HALL_PG_PORT" in via.stderr and "DATABASE_URL" in via.stderr and f":{closed}" in via.stderr


# -- language, tables, progress ---------------------------------------------------------------------


def test_commands_speak_chinese_by_default_and_english_with_lang_en(db):
    zh, en = io.StringIO(), io.StringIO()
    call_command("list_carriers", stdout=zh)
    call_command("list_carriers", "--lang", "en", stdout=en)
    assert "标识" in zh.getvalue() and "状态" in zh.getvalue() and "slug" not in zh.getvalue()
    assert "slug" in en.getvalue().split("\n")[0] and "标识" not in en.getvalue()
    zh, en = io.StringIO(), io.StringIO()
    call_command("sweep", "--carrier", "alpha", stdout=zh)
    call_command("sweep", "--carrier", "alpha", "--lang", "en", stdout=en)
    assert "释放的预占" in zh.getvalue() and "holds released" in en.getvalue()
    with pytest.raises(Exception, match="没有启用中的运营商"):
        call_command("sweep", "--carrier", "nope")


def test_every_command_of_the_project_takes_lang():
    from django.core.management import get_commands, load_command_class

    from core.commands import HallCommand

    ours = {
        name: app
        for name, app in get_commands().items()
        if app.split(".")[0]
        in {"operators", "demo", "analytics", "storefront", "tenants", "catalog", "numberpool", "orders", "realname"}
    }
    assert {"sweep", "list_carriers", "import_numbers", "reconcile_orders", "purge_realname"} <= set(ours)
    for name, app in ours.items():
        assert isinstance(load_command_class(app, name), HallCommand), name


def _columns_align(text):
    """Each table: the header's columns start where the rule's dashes do (display width, CJK = 2)."""
    from core.commands import _width

    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) <= {"-", " "}]
    assert rules, text
    for i in rules:
        starts = [m.start() for m in re.finditer(r"-+", lines[i])]
        body = []
        for row in lines[i + 1 :]:
            if not row:  # the table ends at a blank line
                break
            body.append(row)
        for row in [lines[i - 1]] + body[:3]:
            for start in starts[1:]:  # a column boundary: two spaces in display columns just before it
                prefix, width = "", 0
                for ch in row:
                    if width >= start:
                        break
                    prefix, width = prefix + ch, width + _width(ch)
                assert width == start and prefix.endswith("  "), (row, start)


def test_results_are_aligned_tables_not_python_dicts(in_carrier_a):
    from tenants.models import Carrier

    for command in (
        ["carrier_report", "--carrier", "alpha"],
        ["sweep"],
        ["list_carriers"],
        ["rebuild_analytics", "--from", "2026-11-19", "--to", "2026-11-20", "--carrier", "alpha"],
        ["purge_realname", "--older-than", "30", "--carrier", "alpha"],
        ["reconcile_orders"],
    ):
        out = io.StringIO()
        call_command(*command, stdout=out, stderr=io.StringIO())
        assert "{'" not in out.getvalue() and '{"' not in out.getvalue(), command
        _columns_align(out.getvalue())
    assert Carrier.objects.filter(slug="alpha").exists()
    text = table(["运营商", "n"], [("天联通信广东", 5), ("a", 12)])
    assert text.splitlines() == ["运营商         n", "------------  --", "天联通信广东   5", "a             12"]


class _Terminal(io.StringIO):
    def isatty(self):
        return True  # Django styles a terminal's stderr as errors (red)


def test_progress_bars_are_not_styled_as_errors(in_carrier_a):
    err, out = _Terminal(), io.StringIO()
    call_command(
        "import_numbers",
        "--carrier",
        "alpha",
        "--city",
        "guangzhou",
        "--generate",
        "50",
        "--segment",
        "199",
        "--seed",
        "7",
        stdout=out,
        stderr=err,
        force_color=True,
    )
    assert "50/50" in err.getvalue()  # the bar was drawn
    assert "\x1b[31" not in err.getvalue()  # ... and not in the ERROR style
    assert err.getvalue().count("\n") <= 1  # redrawn in place, not a new line per update
    assert "已添加" in out.getvalue() or "added" in out.getvalue()


# -- quiet up, one clock ------------------------------------------------------------------------------


def test_up_runs_celery_quietly_unless_verbose():
    quiet, verbose = _celery("worker", verbose=False), _celery("worker", verbose=True)
    assert "--quiet" in quiet and quiet[quiet.index("-l") + 1] == "warning"
    assert "--quiet" not in verbose and verbose[verbose.index("-l") + 1] == "info"


def test_the_supervisor_stamps_every_line_with_the_platforms_clock(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")  # the supervisor's own process clock must not matter
    time.tzset()
    try:
        buffer = io.BytesIO()
        supervisor = Supervisor({"web": ["true"], "worker": ["true"]}, env={}, cwd=".", out=buffer)
        supervisor.log("worker exited (rc=1)")
        supervisor._pump("web", io.BytesIO(b"GET / 200\n"))
        lines = buffer.getvalue().decode().splitlines()
        assert re.fullmatch(CLOCK + r" \[hall\] worker exited \(rc=1\)", lines[0]), lines
        assert re.fullmatch(CLOCK + r" web    \| GET / 200", lines[1]), lines
        record = logging.LogRecord("hall", logging.INFO, __file__, 1, "hi", None, None)
        assert re.fullmatch(CLOCK + " hi", ClockFormatter("%(asctime)s %(message)s").format(record))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_django_and_celery_log_formats_use_the_one_clock():
    from django.conf import settings

    for name in ("tenant", "server"):
        assert settings.LOGGING["formatters"][name]["()"] == "core.clock.ClockFormatter"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert json.dumps(settings.LOGGING)  # plain data, as dictConfig wants it


def test_the_whole_suite_starts_with_the_projects_habits(monkeypatch, capsys):
    """`./hallctl test` runs ruff (and whatever HABITS lists) first; one failing stops the run."""
    import argparse

    from devstack import __main__ as stack

    assert ["ruff", "check", "."] in stack.HABITS and ["lint-imports"] in stack.HABITS and ["mypy"] in stack.HABITS
    monkeypatch.setattr(stack, "HABITS", [["python", "-c", "raise SystemExit(1)"]])
    monkeypatch.setattr(stack, "ensure_browser", lambda: (_ for _ in ()).throw(AssertionError("tests ran")))
    assert stack.cmd_test(argparse.Namespace(pytest_args=[])) == 1
    assert "failed" in capsys.readouterr().err


def test_beat_and_sweep_run_the_same_jobs_declared_once(db):
    """hall.jobs is the one list: beat's schedule is made from it and `sweep` runs each job's
    per-carrier work; every dotted path resolves to a task or function."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    from core.periodic import sweeps
    from hall.jobs import JOBS

    assert {j.name: {"task": j.task, "schedule": float(j.every)} for j in JOBS} == settings.CELERY_BEAT_SCHEDULE
    for job in JOBS:
        assert callable(import_string(job.task)) and (not job.in_carrier or callable(import_string(job.in_carrier)))
    out = io.StringIO()
    call_command("sweep", "--carrier", "alpha", "--lang", "en", stdout=out)
    from django.utils import translation

    with translation.override("en"):
        for job in sweeps(settings.HALL_JOBS):
            assert str(job.label) in out.getvalue(), job.name
    zh = io.StringIO()
    call_command("sweep", "--carrier", "alpha", stdout=zh)
    assert not re.search(r"[a-z]{4,}", zh.getvalue().replace("alpha", "")), zh.getvalue()  # all in Chinese
