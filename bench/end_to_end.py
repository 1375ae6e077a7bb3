"""CPU per appeal end to end, as a new user would measure it (issue 21, part 8).

Fresh data, `mcu run --no-demo --clock-speed 1` (the four services under their supervisor),
wrk posting web appeals for a while, then waiting until the pipeline settles (every
accepted appeal has its analytics rows and no new events come). The CPU of every process
involved — the services and their HTTP workers, the Kafka broker, PostgreSQL with its
backends — is read from /proc before and after; their idle CPU, measured over as long
before the load, is subtracted. Per appeal = that CPU / appeals accepted; the sustained
end-to-end rate it allows = cores / CPU per appeal.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.intake import LUA
from demo.runner import wait_for
from kit.settings import DEFAULT_PORTS

TICK = os.sysconf("SC_CLK_TCK")
SERVICES = ("intake", "routing", "sla", "analytics")


def _stat(pid: int) -> tuple[int, str, float, float]:
    """(parent, name, own CPU seconds, CPU seconds of children it has waited for)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    name = text[text.index("(") + 1:text.rindex(")")]
    f = text.rsplit(")", 1)[1].split()
    return int(f[1]), name, (int(f[11]) + int(f[12])) / TICK, (int(f[13]) + int(f[14])) / TICK


def _processes() -> dict[int, tuple[int, str, float, float]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = _stat(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _descendants(root: int, table: dict) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, *_rest) in table.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def cpu_by_part(supervisor: int) -> dict[str, float]:
    """CPU seconds so far of each part: each service (with its HTTP workers), the broker,
    PostgreSQL (postmaster, its backends, and the backends that have exited)."""
    table = _processes()
    parts: dict[str, float] = {}
    for pid in _descendants(supervisor, table):
        command = _cmdline(pid)
        service = next((s for s in SERVICES if f"serve {s}" in command), None)
        if service is None:
            continue
        parts[service] = parts.get(service, 0.0) + table[pid][2]
    for pid, (_, name, own, children) in table.items():
        command = _cmdline(pid)
        if "kafka.Kafka" in command:
            parts["kafka"] = parts.get("kafka", 0.0) + own
        elif name == "postgres" and table.get(table[pid][0], (0, ""))[1] != "postgres":
            tree = _descendants(pid, table)  # the postmaster: its backends, live and done
            parts["postgres"] = children + sum(table[p][2] for p in tree)
    return parts


def _analytics(sql: str) -> int:
    answer = httpx.post(f"http://127.0.0.1:{DEFAULT_PORTS['analytics']}/api/v1/sql",
                        json={"sql": sql}, headers={"Authorization": "Bearer demo-u-analyst"},
                        timeout=30)
    answer.raise_for_status()
    return answer.json()["rows"][0][0]


def _settled(registered: int, quiet: float = 5.0, most: float = 600.0) -> float:
    """Seconds until analytics has every accepted appeal and no new event for `quiet`."""
    start, last, since = time.monotonic(), -1, time.monotonic()
    while time.monotonic() - start < most:
        appeals = _analytics("SELECT count() FROM appeals FINAL")
        events = _analytics("SELECT count() FROM events")
        if events != last:
            last, since = events, time.monotonic()
        elif appeals >= registered and time.monotonic() - since >= quiet:
            return since - start
        time.sleep(0.5)
    raise TimeoutError(f"конвейер не успокоился за {most:.0f} с")


def run(env: dict[str, str], seconds: int = 10, connections: int = 32) -> dict:
    """One measurement on the store `env` names (MCU_STORE, MCU_POSTGRES_*)."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk не установлен: apt-get install wrk"}
    data = tempfile.mkdtemp(prefix="e2e-")
    run_env = {**os.environ, **env, "MCU_DEMO": "true", "MCU_DATA_DIR": data,
               "MCU_LOG_LEVEL": "WARNING", "MCU_LOG_TOPIC": f"mcu.appeals.e2e-{uuid.uuid4().hex[:8]}"}
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "run", "--no-demo", "--clock-speed", "1"],
        env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    script = Path(data) / "load.lua"
    script.write_text(LUA.replace("{run}", uuid.uuid4().hex), encoding="utf-8")
    try:
        for name in SERVICES:
            wait_for(f"http://127.0.0.1:{DEFAULT_PORTS[name]}", timeout=180, process=supervisor)
        time.sleep(5)  # start-up work (timers, queues) done before the idle window
        idle_from, idle_at = cpu_by_part(supervisor.pid), time.monotonic()
        time.sleep(seconds)
        idle_to, idle_seconds = cpu_by_part(supervisor.pid), time.monotonic() - idle_at
        before, began = cpu_by_part(supervisor.pid), time.monotonic()
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s",
                              str(script), f"http://127.0.0.1:{DEFAULT_PORTS['intake']}"],
                             capture_output=True, text=True).stdout
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        accepted = requests - (int(failed.group(1)) if failed else 0)
        settle = _settled(accepted)
        after, elapsed = cpu_by_part(supervisor.pid), time.monotonic() - began
        events = _analytics("SELECT count() FROM events")
    finally:
        os.killpg(supervisor.pid, signal.SIGTERM)
        supervisor.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)
    per_part = {}
    for part in sorted(set(after) | set(before)):
        idle_rate = (idle_to.get(part, 0) - idle_from.get(part, 0)) / idle_seconds
        used = after.get(part, 0) - before.get(part, 0) - idle_rate * elapsed
        per_part[part] = round(1000 * max(used, 0.0) / accepted, 2)
    total = sum(per_part.values())
    cores = os.cpu_count() or 1
    return {"store": env.get("MCU_STORE", "sqlite"), "appeals": accepted,
            "events_per_appeal": round(events / accepted, 2),
            "accepted_per_s": round(accepted / seconds), "settled_after_s": round(settle, 1),
            "cpu_ms_per_appeal": round(total, 2), "cpu_ms_by_part": per_part,
            "sustainable_per_s": round(cores * 1000 / total) if total else None}


def measure_both(bootstrap: str, pg) -> list[dict]:
    """SQLite stores, then PostgreSQL (a fresh database), in one run."""
    import psycopg

    db = f"e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(host="127.0.0.1", port=pg.port, user=pg.user, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    base = {"MCU_KAFKA_BOOTSTRAP": bootstrap}
    return [run(base | {"MCU_STORE": "sqlite"}),
            run(base | {"MCU_STORE": "postgres", "MCU_POSTGRES_PORT": str(pg.port),
                        "MCU_POSTGRES_USER": pg.user, "MCU_POSTGRES_DB": db})]


if __name__ == "__main__":
    from kit.devstack.stack import DevStack

    dev = DevStack()
    for figures in measure_both(dev.kafka.up(), (dev.postgres.up(), dev.postgres)[1]):
        print(figures, flush=True)
