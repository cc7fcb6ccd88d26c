"""A local fake HTTP gateway (stdlib ``http.server`` in a thread) the gateway tests talk to."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeGateway:
    """Answers each request with the next scripted answer for its path (or the path's default)."""

    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    script: dict[str, deque] = field(default_factory=dict)
    defaults: dict[str, tuple[int, Any, float]] = field(default_factory=dict)

    def answer(self, path: str, *answers: tuple[int, Any] | tuple[int, Any, float]) -> None:
        """Queue answers ``(status, json_body[, delay_seconds])`` for ``path``."""
        queue = self.script.setdefault(path, deque())
        for a in answers:
            queue.append(a if len(a) == 3 else (*a, 0.0))

    def always(self, path: str, status: int, body: Any, delay: float = 0.0) -> None:
        self.defaults[path] = (status, body, delay)

    def next_for(self, path: str) -> tuple[int, Any, float]:
        queue = self.script.get(path)
        if queue:
            return queue.popleft()
        return self.defaults.get(path, (404, {"error": "no answer scripted"}, 0.0))

    def to(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def fake_gateway():
    gateway = FakeGateway()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            gateway.requests.append(
                Seen(self.command, parts.path, parse_qs(parts.query), dict(self.headers), body)
            )
            status, answer, delay = gateway.next_for(parts.path)
            if delay:
                time.sleep(delay)
            payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = do_POST = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield gateway
    server.shutdown()
    server.server_close()
