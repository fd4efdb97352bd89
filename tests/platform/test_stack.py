"""`hallctl up` on its embedded servers: first run seeds, a second run does not, Ctrl-C stops all;
a killed Celery worker is restarted while the rest of the stack keeps running."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devstack.redis import free_port
from tests.support.clients import PROJECT

WEB = "gunicorn -c python:hall.gunicorn hall.wsgi"  # `up` serves what production serves
CLOCK = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0800"  # every line: the platform's clock, stated


def _get(port, host, path="/"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _port_open(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _processes():
    """pid -> (ppid, pgid, state, command line) of every live process, read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        state, ppid, pgid = stat[stat.rindex(")") + 2 :].split()[:3]
        if state != "Z":  # a zombie has finished; nobody here may reap it
            found[int(entry.name)] = (int(ppid), int(pgid), state, b" ".join(argv).decode(errors="replace"))
    return found


def _children(pid):
    return {child: info for child, info in _processes().items() if info[0] == pid}


def _worker_main(up):
    """The Celery worker's main process: started by `up` itself (its pool processes are its children)."""
    pids = [
        pid for pid, info in _children(up.proc.pid).items() if re.search(r"celery -A hall (--quiet )?worker", info[3])
    ]
    assert len(pids) <= 1, pids
    return pids[0] if pids else None


def _wait_healthy(port, timeout):
    deadline = time.monotonic() + timeout
    while _get(port, f"localhost:{port}", "/healthz")[0] != 200:
        assert time.monotonic() < deadline, "worker never became healthy"
        time.sleep(1)


class Up:
    def __init__(self, data_dir: Path, *args: str, **extra_env: str):
        self.ports = {"HALL_PORT": free_port(), "HALL_PG_PORT": free_port(), "HALL_REDIS_PORT": free_port()}
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "HALL_MEDIA_ROOT", "HALL_TESTING"}
        }
        env.update({k: str(v) for k, v in self.ports.items()}, HALL_DATA_DIR=str(data_dir), **extra_env)
        self.log = open(data_dir.parent / f"up-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115 — up's lifetime
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devstack", "up", *args],
            cwd=PROJECT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        port = self.ports["HALL_PORT"]
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail("up exited early:\n" + self.output()[-4000:])
            if "[hall] open" in self.output() and _port_open(port):
                return time.monotonic() - self.started
            time.sleep(0.3)
        pytest.fail("up did not become ready:\n" + self.output()[-4000:])

    def ctrl_c(self):
        os.killpg(self.proc.pid, signal.SIGINT)  # what the terminal sends to the foreground group
        self.proc.wait(timeout=60)


def test_up_seeds_once_serves_every_carrier_and_stops_cleanly(tmp_path):
    data = tmp_path / "data"
    first = Up(data)
    try:
        first.wait_ready()
        port = first.ports["HALL_PORT"]
        for slug, name in (("tl-gd", "天联通信广东"), ("tl-zj", "天联通信浙江"), ("qingniao", "青鸟移动")):
            status, body = _get(port, f"{slug}.localhost:{port}")
            assert status == 200 and name in body
        status, body = _get(port, f"localhost:{port}")
        assert status == 200 and f"http://tl-gd.localhost:{port}/" in body
        assert _get(port, f"nobody.localhost:{port}")[0] == 404
        _wait_healthy(port, 60)
        live = json.loads((data / "stack.json").read_text())  # for `hallctl manage`
        assert live["pid"] == first.proc.pid and live["web_port"] == port
        assert live["database_url"].endswith(f":{first.ports['HALL_PG_PORT']}/hall")
    finally:
        first.ctrl_c()
    out = first.output()
    assert "演示数据已就绪。" in out
    assert not (data / "stack.json").exists()  # a clean stop removes it
    # Quiet by default: no Celery banner, no per-task INFO; the worker still says it is ready.
    assert "-------------- celery@" not in out and "Sending due task" not in out and " ready." in out
    assert re.search(CLOCK + r" worker \| \[INFO/MainProcess\] celery@\S+ ready\.$", out, re.M), out[-3000:]
    assert not _port_open(first.ports["HALL_PG_PORT"]) and not _port_open(first.ports["HALL_REDIS_PORT"])
    assert not _port_open(first.ports["HALL_PORT"])

    second = Up(data, "--verbose")
    try:
        second.wait_ready()
        port = second.ports["HALL_PORT"]
        status, body = _get(port, f"qingniao.localhost:{port}")
        assert status == 200 and "青鸟移动" in body
        _wait_healthy(port, 60)
    finally:
        second.ctrl_c()
    assert "不再重复创建" in second.output() and "演示数据已就绪。" not in second.output()
    assert "-------------- celery@" in second.output()  # --verbose brings the banners back
    assert second.proc.returncode in (0, 130, -signal.SIGINT)


def test_up_restarts_a_killed_worker_and_keeps_the_rest_running(tmp_path):
    up = Up(tmp_path / "data", HALL_HEALTH_CACHE_SECONDS="0")  # every /healthz asks the workers afresh
    port, pg_port, redis_port = (up.ports[k] for k in ("HALL_PORT", "HALL_PG_PORT", "HALL_REDIS_PORT"))
    public = f"localhost:{port}"
    try:
        up.wait_ready()
        _wait_healthy(port, 90)
        # web, worker and beat each lead their own process group, children of `up` itself
        stack = _children(up.proc.pid)
        leaders = {pid: info for pid, info in stack.items() if info[1] == pid}
        assert len([i for i in leaders.values() if WEB in i[3] or "celery -A hall" in i[3]]) == 3, stack
        old = _worker_main(up)
        assert old is not None, stack
        pool = set(_children(old))
        assert pool, "the prefork worker has no pool processes"
        web_pid = next(pid for pid, info in stack.items() if WEB in info[3] and info[1] == pid)
        assert len(_children(web_pid)) == 3, _processes()  # gunicorn's three sync workers, as in compose

        os.kill(old, signal.SIGKILL)
        killed_at = time.monotonic()
        while True:
            # The web server answers throughout (a refused connection raises here).
            assert _get(port, public)[0] == 200
            health = _get(port, public, "/healthz")[0]
            new = _worker_main(up)  # None while down; the old pid while it is still dying
            restart_line = "[hall] worker exited (rc=-9); restarting in 1 s (restart 1)"
            out = up.output()
            after = out[out.index(restart_line) :] if restart_line in out else ""
            if after and new and new != old and "ready." in after and health == 200:
                break
            assert up.proc.poll() is None, "up exited:\n" + up.output()[-4000:]
            assert time.monotonic() - killed_at < 90, "worker not back:\n" + up.output()[-4000:]
            time.sleep(1)
        alive = _processes()
        assert old not in alive
        assert not pool & set(alive), "the killed worker's pool processes were left running"
        assert web_pid in alive and _port_open(pg_port) and _port_open(redis_port)
        assert up.proc.poll() is None
        out = up.output()
        assert "web exited" not in out and "beat exited" not in out
        assert re.search("^" + CLOCK + r" worker \| ", out, re.M)  # one clock and the name before each line
        survivors = set(_children(up.proc.pid)) | set(_children(new))
    finally:
        up.ctrl_c()
    assert up.proc.returncode in (0, 130, -signal.SIGINT)
    assert not _port_open(port) and not _port_open(pg_port) and not _port_open(redis_port)
    assert not survivors & set(_processes()), "processes of the stack outlived Ctrl-C"
