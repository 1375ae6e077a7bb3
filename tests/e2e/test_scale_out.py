"""Scale-out on PostgreSQL (issue 21): two routing processes in one consumer group over one
store; one is killed with SIGKILL under load; the other takes its partitions (and the
relay's lead), and a reconciliation of the log shows every registration routed exactly
once."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter

import httpx
import pytest

from contracts import decode
from tests.conftest import _postgres_database
from tests.support.logtools import read_all
from tests.support.processes import service

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]
KEY = {"X-API-Key": "demo-web"}


def _post(intake: str, first: int, count: int) -> list[str]:
    ids = []
    with httpx.Client(timeout=30) as client:
        for n in range(first, first + count):
            answer = client.post(f"{intake}/api/v1/appeals", headers=KEY, json={
                "channel": "web", "external_id": f"SCALE-{n}", "text": "Яма на дороге у дома",
                "topic": "Ямы и выбоины на дорогах"})
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["appeal_id"])
    return ids


def test_a_second_routing_instance_takes_over_when_the_first_is_killed(env, postgres_server):
    pg = {"MCU_STORE": "postgres", "MCU_POSTGRES_HOST": postgres_server.host,
          "MCU_POSTGRES_PORT": str(postgres_server.port),
          "MCU_POSTGRES_USER": postgres_server.user,
          "MCU_POSTGRES_PASSWORD": postgres_server.password,
          "MCU_POSTGRES_DB": _postgres_database(postgres_server),
          "MCU_LOG_PARTITIONS": "6"}
    shared = {**env, **pg}
    with service("intake", shared) as (intake, _), \
            service("routing", shared) as (_, first), \
            service("routing", shared) as (_, second):
        appeals = _post(intake, 0, 150)
        time.sleep(1.0)
        os.kill(first.pid, signal.SIGKILL)  # mid-stream: its partitions and maybe the relay
        first.wait(timeout=10)
        appeals += _post(intake, 150, 150)
        deadline = time.monotonic() + 120
        while True:
            log = asyncio.run(read_all(env["MCU_KAFKA_BOOTSTRAP"], env["MCU_LOG_TOPIC"]))
            routed = Counter()
            seen = set()
            for record in log:
                event = decode(record.value)
                if event.event_type == "AppealRouted" and event.event_id not in seen:
                    seen.add(event.event_id)  # a republished event keeps its id
                    routed[str(event.appeal_id)] += 1
            if all(routed[a] for a in appeals) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert second.poll() is None  # the survivor is still serving
    missing = [a for a in appeals if not routed[a]]
    twice = [a for a, n in routed.items() if n > 1]
    assert (len(appeals), missing, twice) == (300, [], [])  # each routed exactly once
