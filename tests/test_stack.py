"""`hallctl up` on its embedded servers: first run seeds, a second run does not, Ctrl-C stops all."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hall.stack.redis import free_port
from tests.conftest import PROJECT


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


class Up:
    def __init__(self, data_dir: Path):
        self.ports = {"HALL_PORT": free_port(), "HALL_PG_PORT": free_port(), "HALL_REDIS_PORT": free_port()}
        env = {k: v for k, v in os.environ.items()
               if k not in {"DATABASE_URL", "REDIS_URL", "HALL_MEDIA_ROOT", "HALL_TESTING"}}
        env.update({k: str(v) for k, v in self.ports.items()}, HALL_DATA_DIR=str(data_dir))
        self.log = open(data_dir.parent / f"up-{time.monotonic_ns()}.log", "w+")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "hall.stack", "up"], cwd=PROJECT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

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
        health_deadline = time.monotonic() + 60
        while _get(port, f"localhost:{port}", "/healthz")[0] != 200:
            assert time.monotonic() < health_deadline, "worker never became healthy"
            time.sleep(1)
    finally:
        first.ctrl_c()
    out = first.output()
    assert "Demo data ready." in out
    assert not _port_open(first.ports["HALL_PG_PORT"]) and not _port_open(first.ports["HALL_REDIS_PORT"])
    assert not _port_open(first.ports["HALL_PORT"])

    second = Up(data)
    try:
        second.wait_ready()
        port = second.ports["HALL_PORT"]
        status, body = _get(port, f"qingniao.localhost:{port}")
        assert status == 200 and "青鸟移动" in body
    finally:
        second.ctrl_c()
    assert "not seeding again" in second.output() and "Demo data ready." not in second.output()
    assert second.proc.returncode in (0, 130, -signal.SIGINT)
