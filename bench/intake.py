"""Intake figures: accepted appeals/s through the HTTP API with durability, p50/p99 latency.

The service runs as its own process (`mcu serve intake`, SQLite store), with one HTTP
process or several (MCU_HTTP_WORKERS); the load comes from wrk (Debian package), because a
Python client tops out far below the server (about 300 requests/s here). Each request is a
new appeal of a new applicant (so the personal-data vault writes too, as for every
ПОС message): answered only after its batch commit.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from demo.runner import wait_for

# every run of wrk gets its own ids: LuaJIT's math.random repeats its sequence from run to
# run, so the warm-up's appeals would come again as (cheaper) duplicates
LUA = """
counter = 0
request = function()
  counter = counter + 1
  local id = "{run}-" .. counter
  local body = '{"channel":"web","external_id":"B-' .. id .. '","municipality":"konstantinovsky",' ..
               '"text":"Не горит фонарь у дома",' ..
               '"topic":"Уличное освещение","territory":"г. Константиновск",' ..
               '"applicant":{"last_name":"Иванова","email":"u' .. id .. '@example.ru"}}'
  return wrk.format("POST", "/api/v1/appeals",
                    {["Content-Type"]="application/json", ["X-API-Key"]="demo-web"}, body)
end
"""


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def run(bootstrap: str, seconds: int = 15, connections: int = 64, workers: int = 1) -> dict:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk не установлен: apt-get install wrk"}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "intake"],
        env={**os.environ, "MCU_KAFKA_BOOTSTRAP": bootstrap, "MCU_DATA_DIR": tempfile.mkdtemp(),
             "MCU_HTTP_PORT": str(port), "MCU_LOG_LEVEL": "WARNING",
             "MCU_HTTP_WORKERS": str(workers),
             "MCU_LOG_TOPIC": f"mcu.appeals.bench-i-{port}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scripts = Path(tempfile.mkdtemp())
    warm_up, measured = scripts / "warm-up.lua", scripts / "measured.lua"
    for script in (warm_up, measured):
        script.write_text(LUA.replace("{run}", uuid.uuid4().hex), encoding="utf-8")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url, timeout=60)
        health = subprocess.run(["wrk", "-t1", f"-c{connections}", "-d5s", f"{url}/health/live"],
                                capture_output=True, text=True).stdout
        # warm-up: the first seconds of a fresh store (file growth, caches) are not the
        # steady state the figure describes
        subprocess.run(["wrk", "-t1", f"-c{connections}", "-d3s", "-s", str(warm_up), url],
                       capture_output=True, text=True)
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(measured),
                              "--latency", url], capture_output=True, text=True).stdout
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=30)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "http_processes": workers,
        "connections": connections,
        "accepted_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(re.search(r"50%\s+(\S+)", out).group(1)),
        "p99_ms": _ms(re.search(r"99%\s+(\S+)", out).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "health_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", health).group(1)),
    }
