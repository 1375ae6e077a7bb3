"""Services as processes in tests: start one on a free port, wait until it is ready,
stop it gracefully."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from demo.runner import wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def service(name: str, env: dict[str, str | None]) -> Iterator[tuple[str, subprocess.Popen]]:
    """`env` over the test's environment; a None value unsets the variable."""
    port = _free_port()
    merged = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", name],
                            env={**merged, "MCU_HTTP_PORT": str(port)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for(url, process=proc)
        except RuntimeError as exc:
            raise AssertionError(f"{exc}: {proc.stdout.read().decode()[-3000:]}") from None
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
