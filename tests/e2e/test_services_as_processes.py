"""The services as processes (`mcu serve`), through their HTTP faces and the real log."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from contracts import decode
from tests.support.processes import service
from tests.support.logtools import read_all

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]


def _metric(url: str, name: str) -> float:
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _until(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


APPEAL = {"channel": "web", "text": "Не горят фонари на ул. Мира", "territory": "г. Константиновск"}
KEY = {"X-API-Key": "demo-web"}


async def test_appeals_flow_from_intake_http_through_the_log_to_routing(env):
    with service("intake", env) as (intake, intake_proc), service("routing", env) as (routing, _):
        created = [httpx.post(f"{intake}/api/v1/appeals", json=APPEAL | {"external_id": f"W-{i}"},
                              headers=KEY) for i in range(25)]
        assert {r.status_code for r in created} == {201}
        again = httpx.post(f"{intake}/api/v1/appeals", json=APPEAL | {"external_id": "W-0"},
                           headers=KEY)
        assert again.status_code == 200 and again.json() == created[0].json() | {"duplicate": True}

        _until(lambda: _metric(routing, "mcu_events_published_total") == 25)  # one decision each
        assert _metric(routing, "mcu_events_consumed_total") == 25  # not its own events
        assert _metric(intake, "mcu_events_published_total") == 25
        assert _metric(intake, "mcu_relay_backlog") == 0
        intake_proc.send_signal(signal.SIGTERM)
        assert intake_proc.wait(timeout=30) == 0  # graceful: batch finished, position saved

    async def intake_events() -> list:
        records = await read_all(env["MCU_KAFKA_BOOTSTRAP"], env["MCU_LOG_TOPIC"])
        return [e for e in (decode(r.value) for r in records) if e.producer == "intake"]

    assert sorted(str(e.appeal_id) for e in await intake_events()) == sorted(
        r.json()["appeal_id"] for r in created)

    with service("intake", env):  # a clean restart republishes nothing
        time.sleep(1.0)
    assert len(await intake_events()) == 25


def test_bad_input_gets_a_problem_response_in_russian(env):
    with service("intake", env) as (intake, _):
        bad = httpx.post(f"{intake}/api/v1/appeals", json={"channel": "pigeon", "text": ""},
                         headers=KEY)
        assert bad.status_code == 422
        assert bad.headers["content-type"] == "application/problem+json"
        problem = bad.json()
        assert problem["code"] == "validation_failed"
        assert problem["title"] == "Данные не прошли проверку"
        fields = {e["field"] for e in problem["errors"]}
        assert fields == {"channel", "text", "external_id"}
        assert "обязательное поле не заполнено" in problem["detail"]


def test_every_service_answers_health_readiness_and_metrics(env):
    for name in ("intake", "routing", "sla", "analytics", "audit"):
        with service(name, env) as (url, _):
            assert httpx.get(f"{url}/health/live").json()["service"] == name
            assert httpx.get(f"{url}/health/ready").status_code == 200
            assert "mcu_events_consumed_total" in httpx.get(f"{url}/metrics").text
            assert httpx.get(f"{url}/openapi.json").status_code == 200


def test_mcu_asks_the_running_analytics_service_as_the_staff_member_of_its_token(env):
    with service("analytics", env) as (url, _):
        port = {"MCU_HTTP_PORT": url.rsplit(":", 1)[1]}

        def mcu(*args: str, **extra: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "cli.main", *args], text=True,
                                  capture_output=True, timeout=60,
                                  env={**os.environ, **env, **port, **extra})

        answered = mcu("analytics", "sql", "SELECT 41 + 1 AS x", MCU_STAFF_TOKEN="demo-u-analyst")
        assert (answered.returncode, answered.stdout.strip()) == (0, '{"x": 42}')
        anonymous = mcu("analytics", "sql", "SELECT 1", MCU_STAFF_TOKEN="")
        assert anonymous.returncode == 2 and "MCU_STAFF_TOKEN" in anonymous.stderr
        executor = mcu("analytics", "sql", "SELECT 1", MCU_STAFF_TOKEN="demo-u-adm-gkh-exec1")
        assert executor.returncode == 2 and "forbidden_role" in executor.stderr


def _posted_once_settled(url: str, body: dict) -> int:
    """A POST while the port's set of listening processes changes: a connection the kernel
    gave to a socket that closed is reset before any byte of the request was read, and a
    client sends it again (the appeal's external id makes a second copy a duplicate)."""
    for attempt in range(3):
        try:
            return httpx.post(url, json=body, headers=KEY).status_code
        except httpx.TransportError:
            if attempt == 2:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _any_process_reads_the_vault_within_routings_scope(intake: str) -> None:
    person = {"last_name": "Смирнова", "phone": "+7 903 000-00-01"}
    appeal = httpx.post(f"{intake}/api/v1/appeals", headers=KEY, json=APPEAL | {
        "external_id": "VAULT", "applicant": person}).json()["appeal_id"]
    url = f"{intake}/api/v1/appeals/{appeal}/applicant"
    coordinator = {"Authorization": "Bearer demo-u-mcu-coord"}  # demo tokens: demo-<id>
    reason = {"reason": "звонок заявителю"}
    # routing learns of the appeal from the log; until then the door answers as for an
    # appeal out of reach (404)
    _until(lambda: httpx.get(url, headers=coordinator, params=reason).status_code != 404)
    reads = [httpx.get(url, headers=coordinator, params=reason) for _ in range(6)]
    assert [r.json().get("applicant") for r in reads] == [person] * 6
    executor = httpx.get(url, headers={"Authorization": "Bearer demo-u-adm-gkh-exec1"},
                         params=reason)  # not assigned to it
    assert (executor.status_code, executor.json()["code"]) == (404, "appeal_not_found")
    log = httpx.get(f"{intake}/api/v1/vault/access-log",
                    headers={"Authorization": "Bearer demo-u-auditor"}).json()
    # newest first: the executor's refused attempt, then the six reads and the poll that
    # got through, then the polls refused while routing had not seen the appeal
    entries = [(e["who"], e["action"], e["appeal_id"]) for e in log]
    early = entries[8:]
    assert entries[:8] == [
        ("u-adm-gkh-exec1", "refused", appeal)] + [("u-mcu-coord", "read", appeal)] * 7
    assert early == [("u-mcu-coord", "refused", appeal)] * len(early)


async def test_intake_answers_in_several_processes_and_loses_nothing(env):
    """Two HTTP processes on one store: every appeal reaches the log once, a repeated
    delivery racing across processes is registered once, a dead worker is replaced."""
    with service("routing", env) as (routing, _), service("intake", env | {
            "MCU_HTTP_WORKERS": "2", "MCU_ROUTING_URL": routing}) as (intake, proc):
        workers = _children(proc.pid)
        assert len(workers) == 1
        async with httpx.AsyncClient(base_url=intake, headers=KEY, timeout=30) as client:
            posts = [client.post("/api/v1/appeals", json=APPEAL | {"external_id": f"M-{i}"})
                     for i in range(80)]
            racing = [client.post("/api/v1/appeals", json=APPEAL | {"external_id": "SAME"})
                      for _ in range(20)]
            responses = await asyncio.gather(*posts, *racing)
        assert {r.status_code for r in responses[:80]} == {201}
        assert sorted(r.status_code for r in responses[80:]) == [200] * 19 + [201]
        assert len({r.json()["appeal_id"] for r in responses[80:]}) == 1
        # Whichever process answers, readiness and metrics are the main process's (relay).
        _until(lambda: all(_metric(intake, "mcu_events_published_total") == 81
                           for _ in range(10)))
        assert {httpx.get(f"{intake}/health/ready").status_code for _ in range(10)} == {200}
        _any_process_reads_the_vault_within_routings_scope(intake)
        # the port is shared by this instance's processes only: a second instance is refused
        second = subprocess.run([sys.executable, "-m", "cli.main", "serve", "intake"],
                                env={**os.environ, **env, "MCU_HTTP_WORKERS": "2",
                                     "MCU_HTTP_PORT": intake.rsplit(":", 1)[1]},
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "не удаётся занять" in second.stderr

        killed = workers.pop()
        os.kill(killed, signal.SIGKILL)
        # a new worker, not the killed one's zombie before the main process reaps it
        _until(lambda: (c := _children(proc.pid)) and killed not in c, timeout=15)
        replacement = _children(proc.pid)
        assert _posted_once_settled(f"{intake}/api/v1/appeals",
                                    APPEAL | {"external_id": "AFTER"}) == 201
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in replacement)

    with service("intake", env):  # whatever a worker stored last is published now
        async def registered() -> list[str]:
            records = await read_all(env["MCU_KAFKA_BOOTSTRAP"], env["MCU_LOG_TOPIC"])
            return [e.payload.external_id for e in map(decode, (r.value for r in records))
                    if e.event_type == "AppealRegistered"]

        deadline = time.monotonic() + 30
        while len(found := await registered()) < 83 and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
    assert sorted(found) == sorted([f"M-{i}" for i in range(80)] + ["SAME", "VAULT", "AFTER"])


def test_http_workers_stop_when_the_main_process_is_killed(env):
    """An orphan worker would hold the port and take appeals no relay publishes."""
    with service("intake", env | {"MCU_HTTP_WORKERS": "2"}) as (_, proc):
        [worker] = _children(proc.pid)
        proc.kill()
        proc.wait(timeout=10)
        _until(lambda: not Path(f"/proc/{worker}").exists() or
               Path(f"/proc/{worker}/stat").read_text().split(") ")[1].startswith("Z"),
               timeout=15)
