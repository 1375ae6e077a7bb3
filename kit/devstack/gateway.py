"""A local receiver standing for ПОС's and «Инцидент Менеджмент»'s integration gateways
(the dev stack's): it takes answers as docs/intake.md specifies (mcu.answer/1, Bearer
key, Idempotency-Key) and keeps each once, as a JSON file per answer under its channel.
Run: python -m kit.devstack.gateway <dir> <port> <key>."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kit.devstack.process import running_pid, spawn, terminate

DEMO_KEY = "demo-gateway-key-not-secret"
CHANNELS = ("pos", "incident")


@dataclass(frozen=True)
class GatewayStack:
    run_dir: Path
    port: int = 8026

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "gateway.pid"

    def endpoints(self, municipalities) -> str:
        """MCU_ANSWER_ENDPOINTS naming this receiver for every municipality."""
        return json.dumps({m: {c: {"url": f"http://127.0.0.1:{self.port}/{c}", "key": DEMO_KEY}
                               for c in CHANNELS} for m in municipalities})

    def up(self) -> str:
        if not running_pid(self.pid_file):
            self.run_dir.mkdir(parents=True, exist_ok=True)
            spawn([sys.executable, "-m", "kit.devstack.gateway", str(self.run_dir),
                   str(self.port), DEMO_KEY], self.run_dir / "gateway.log", self.pid_file)
        return f"127.0.0.1:{self.port} → {self.run_dir}/<канал>/"

    def down(self) -> bool:
        return terminate(self.pid_file)

    def status(self) -> str:
        pid = running_pid(self.pid_file)
        return (f"Приёмник ПОС/ИМ: работает (pid {pid}, ответы в {self.run_dir})" if pid
                else "Приёмник ПОС/ИМ: остановлен")


def serve(folder: Path, port: int, key: str) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            channel = self.path.strip("/")
            idempotency = self.headers.get("Idempotency-Key", "")
            if self.headers.get("Authorization") != f"Bearer {key}":
                return self._answer(401, {"error": "bad key"})
            if channel not in CHANNELS or not idempotency.replace("-", "").isalnum():
                return self._answer(400, {"error": "unknown channel or key"})
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            kept = folder / channel / f"{idempotency}.json"
            first = not kept.exists()
            if first:
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_bytes(body)
            self._answer(201 if first else 200, {"receipt": f"{channel.upper()}-{kept.stem[-12:]}"})

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
