"""A real HTTP receiver for outbox tests: a ThreadingHTTPServer in a thread of the test process
that records every request (body and headers) and answers as it is told: "ok" (204), "fail" (500),
"hang" (holds the request past any client timeout, then 503), or is "down" (its port closed) and
comes back on the same port."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from devstack.redis import free_port


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    answered: int = 0  # the status the receiver sent (0: none, the client had gone)

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers.get("X-Hall-Event-Id", "")


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    mode: str = "ok"
    fail_event_ids: set[str] = field(default_factory=set)  # answered 500 while mode is "ok"
    hang_seconds: float = 30.0
    arrived: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def accepted(self) -> list[Received]:
        """What the receiver answered 2xx to, in the order it arrived."""
        with self._lock:
            return [r for r in self.arrived if 200 <= r.answered < 300]

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                got = Received(self.rfile.read(length), dict(self.headers.items()))
                with receiver._lock:
                    receiver.arrived.append(got)
                mode = receiver.mode
                if mode == "hang":
                    receiver._release.wait(receiver.hang_seconds)
                    code = 503
                elif mode == "fail" or got.event_id in receiver.fail_event_ids:
                    code = 500
                else:
                    code = 204
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    got.answered = code
                except OSError:  # the client gave up (timed out, or its process was killed)
                    pass

            def log_message(self, *args):
                pass

        self._release.clear()
        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def set(self, mode: str) -> None:
        if self.mode == "hang" and mode != "hang":
            self._release.set()  # hung requests answer (503) now
        if mode == "hang":
            self._release.clear()
        self.mode = mode

    def down(self) -> None:
        """Close the port: connections are refused until `start()` again."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    stop = down
