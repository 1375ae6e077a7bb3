"""`mcu run` as a supervisor, run as a user would: each service killed with SIGKILL is
started again and catches up; SIGTERM to `mcu run` leaves no process; killed itself, it
takes its children along. SLA stopped during its start-up timer rebuild exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from kit.settings import CONSOLE, DEFAULT_PORTS, SERVICES

SUPERVISED = (*SERVICES, CONSOLE)  # what `mcu run` starts

pytestmark = pytest.mark.e2e
KEY = {"X-API-Key": "demo-web"}
HEAD = {"Authorization": "Bearer demo-u-head"}


def _children(pid: int) -> dict[str, int]:
    """The `mcu serve <name>` processes whose parent is `pid`, by service name."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)
            cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if int(fields.get("PPid", "0").strip()) == pid and b"serve" in cmdline:
            found[cmdline[cmdline.index(b"serve") + 1].decode()] = int(status.parent.name)
    return found


def _until(check, timeout: float = 90, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except httpx.HTTPError:
            result = None
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def _ready(name: str) -> bool:
    return httpx.get(f"http://127.0.0.1:{DEFAULT_PORTS[name]}/health/ready",
                     timeout=2).status_code == 200


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "X"
    return state != "Z"


@pytest.fixture
def stack(tmp_path, kafka_bootstrap):
    env = {**os.environ, "MCU_DEMO": "true", "MCU_DATA_DIR": str(tmp_path),
           "MCU_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "MCU_LOG_TOPIC": f"mcu.appeals.sup-{uuid.uuid4().hex[:8]}", "MCU_LOG_LEVEL": "WARNING"}
    log = (tmp_path / "mcu-run.log").open("w+")
    run = subprocess.Popen([sys.executable, "-m", "cli.main", "run", "--no-demo",
                            "--clock-speed", "1"], env=env, stdout=log, stderr=log)
    try:
        _until(lambda: all(_ready(name) for name in SUPERVISED), timeout=150)
        yield run, log
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        log.close()


def _routed(appeal: str) -> bool:
    answer = httpx.get(f"http://127.0.0.1:{DEFAULT_PORTS['routing']}/api/v1/appeals/{appeal}",
                       headers=HEAD, timeout=5)
    return answer.status_code == 200 and bool(answer.json().get("recipient_id"))


def test_a_killed_service_is_restarted_and_catches_up_and_sigterm_leaves_nothing(stack):
    run, log = stack
    for name in SUPERVISED:
        before = _children(run.pid)[name]
        os.kill(before, signal.SIGKILL)
        _until(lambda: (pid := _children(run.pid).get(name)) and pid != before and _ready(name))
    log.flush()
    text = Path(log.name).read_text()
    for name in SUPERVISED:
        assert f"{name}: процесс завершился (сигнал SIGKILL), перезапуск" in text, text[-2000:]
        assert f"{name}: перезапущен" in text
    accepted = httpx.post(f"http://127.0.0.1:{DEFAULT_PORTS['intake']}/api/v1/appeals",
                          headers=KEY, json={"channel": "web", "external_id": "SUP-1",
                                             "text": "Не горит фонарь у школы"}).json()
    _until(lambda: _routed(accepted["appeal_id"]))  # every service back on the log

    children = list(_children(run.pid).values())
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 0
    _until(lambda: not any(_alive(pid) for pid in children), timeout=10)
    for name in SUPERVISED:  # nobody holds the ports
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{DEFAULT_PORTS[name]}/health/live", timeout=1)


def test_killed_itself_mcu_run_takes_its_services_along(stack):
    run, _ = stack
    children = list(_children(run.pid).values())
    assert len(children) == len(SUPERVISED)
    run.kill()
    run.wait()
    _until(lambda: not any(_alive(pid) for pid in children), timeout=40)


def test_sla_stopped_during_its_timer_rebuild_exits_cleanly(tmp_path, kafka_bootstrap):
    from kit.settings import Settings
    from kit.staff import read_deployment
    from services.sla.bootstrap import build_application
    from tests.support.envelopes import AppealStory

    settings = Settings(data_dir=tmp_path, kafka_bootstrap=kafka_bootstrap)
    app = build_application(settings, read_deployment(settings))
    from datetime import UTC, datetime

    from kit.unit_of_work import UnitOfWork

    now = datetime.now(UTC)
    for chunk in range(12):  # enough deadlines that their rebuild takes a few seconds
        unit = UnitOfWork(app)
        for _ in range(1000):
            app.react(AppealStory().registered(now, kind="official"), unit)
        app.save(*unit.aggregates())
    app.close()
    env = {**os.environ, "MCU_DEMO": "true", "MCU_DATA_DIR": str(tmp_path),
           "MCU_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCU_HTTP_PORT": "18993",
           "MCU_LOG_TOPIC": f"mcu.appeals.sla-{uuid.uuid4().hex[:8]}"}
    sla = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "sla"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def rebuilding() -> bool:
        answer = httpx.get("http://127.0.0.1:18993/health/ready", timeout=2)
        return answer.status_code == 503  # answering, not ready: the rebuild runs

    _until(rebuilding, timeout=60, every=0.05)
    sla.send_signal(signal.SIGTERM)
    code = sla.wait(timeout=60)
    output = sla.stdout.read().decode(errors="replace")
    assert code == 0, output[-3000:]
    assert "service stopped" in output


def test_a_log_with_another_partition_count_ends_the_service_with_exit_2(tmp_path,
                                                                          kafka_bootstrap):
    import asyncio

    from kit.settings import Settings
    from kit.topics import ensure_log_topics

    topic = f"mcu.appeals.parts-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_log_topics(Settings(kafka_bootstrap=kafka_bootstrap, log_topic=topic,
                                           log_partitions=2)))
    done = subprocess.run([sys.executable, "-m", "cli.main", "serve", "routing"],
                          env={**os.environ, "MCU_DEMO": "true", "MCU_DATA_DIR": str(tmp_path),
                               "MCU_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCU_LOG_TOPIC": topic,
                               "MCU_LOG_PARTITIONS": "3", "MCU_HTTP_PORT": "18994"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "MCU_LOG_PARTITIONS" in done.stderr and "разделов 2, а в настройках 3" in done.stderr


def test_a_service_that_dies_during_start_up_is_restarted_and_a_refusal_stops_the_start(tmp_path):
    """`mcu run`'s start: a child killed before it is ready comes back (a SIGKILL at that
    moment once stopped the whole stack); one that refuses its settings ends the start."""
    from cli.supervisor import Supervisor

    said: list[str] = []
    flaky = tmp_path / "first-start"
    supervisor = Supervisor(say=said.append)
    # dies by SIGKILL the first time, then stays up and ready
    supervisor.add("flaky", [sys.executable, "-c", (
        "import os, pathlib, signal, time\n"
        f"p = pathlib.Path({str(flaky)!r})\n"
        "if not p.exists():\n"
        "    p.touch(); os.kill(os.getpid(), signal.SIGKILL)\n"
        f"pathlib.Path({str(tmp_path / 'ready')!r}).touch(); time.sleep(60)\n")])
    try:
        problem = supervisor.start_up(lambda c: (tmp_path / "ready").exists(), timeout=20,
                                      poll=0.1)
        assert problem is None
        assert supervisor.children[0].restarts == 1
        assert any("flaky: процесс завершился (сигнал SIGKILL), перезапуск" in s for s in said)
    finally:
        supervisor.stop()

    refusing = Supervisor(say=said.append)
    refusing.add("strict", [sys.executable, "-c", "raise SystemExit(2)"])
    try:
        assert refusing.start_up(lambda c: False, timeout=20, poll=0.1) == (
            "strict: настройки отклонены (код 2) — см. сообщение выше")
    finally:
        refusing.stop()
