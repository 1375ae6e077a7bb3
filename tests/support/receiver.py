"""A real HTTP receiver on loopback standing for a ПОС or «Инцидент Менеджмент» integration
gateway: it answers as the test tells it (a 500, a hang longer than the client waits, an
acknowledgement with a receipt) and, like a well-behaved receiver, posts each
Idempotency-Key once and answers a repeat as it answered the first time."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []  # every attempt: headers and body
        self.posted: dict[str, dict] = {}  # Idempotency-Key -> the answer, once
        self.script: list[str] = []  # what to do with the next attempts: "500", "hang", "ok"
        self.hang_seconds = 2.0
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/answers"

    def respond(self, headers: dict, body: dict) -> tuple[int, dict]:
        self.requests.append({"headers": headers, "body": body})
        step = self.script.pop(0) if self.script else "ok"
        if step == "hang":
            time.sleep(self.hang_seconds)
            return 504, {}
        if step != "ok":
            return int(step), {"error": "test"}
        key = headers.get("idempotency-key", "")
        first = key not in self.posted
        self.posted.setdefault(key, body)
        return (201 if first else 200), {"receipt": f"R-{list(self.posted).index(key) + 1}"}


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            status, answer = state.respond({k.lower(): v for k, v in self.headers.items()},
                                           body)
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
