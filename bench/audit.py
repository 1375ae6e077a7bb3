"""The audit service (issue 24) on a log of APPEALS appeals × EVENTS events on the real
broker, beside the raw round trip of the same records in the same run:

- ingestion: records committed to and checkpointed per second by `mcu serve audit` as a
  process, and its CPU per record (the checkpointing overhead on the pipeline);
- `mcu audit verify` over the whole log (read the topic, rebuild every partition's tree,
  check every signed checkpoint): records per second, as a ratio to the raw round trip
  (produce and consume the same records);
- replay of one appeal of EVENTS events through the running service's door
  (`GET /api/v1/appeals/{id}/audit`): p50 and p95 over REPLAYS appeals.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

APPEALS, EVENTS, PARTITIONS, REPLAYS = 2_500, 20, 6, 200
MUNICIPALITY = "konstantinovsky"
TYPES = ["AppealRouted", "AppealAssigned", "DeadlineSet", "DeadlineReminderIssued",
         "AnswerDrafted", "AnswerSentForApproval", "AnswerApproved", "AnswerPublished",
         "DeadlineStopped", "AnswerDelivered", "AppealRated"]


def _records() -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """Each appeal's events, interleaved across appeals as a busy log has them."""
    from contracts import encode
    from tests.support.envelopes import AppealStory

    start = datetime(2026, 11, 16, 7, tzinfo=UTC)
    stories = [AppealStory(municipality=MUNICIPALITY) for _ in range(APPEALS)]
    per_appeal = []
    for n, story in enumerate(stories):
        at = start + timedelta(minutes=n)
        events = [story.registered(at)] + [
            story.event(TYPES[i % len(TYPES)], at + timedelta(hours=i + 1))
            for i in range(EVENTS - 1)]
        per_appeal.append([(str(story.appeal_id).encode(), encode(e)) for e in events])
    records, step = [], 50  # 50 appeals in flight at a time
    for first in range(0, APPEALS, step):
        group = per_appeal[first:first + step]
        for i in range(EVENTS):
            records += [events[i] for events in group]
    return records, [str(s.appeal_id) for s in stories]


async def _produce(bootstrap: str, topic: str, records) -> float:
    from kit.outbox import make_producer

    producer = make_producer(bootstrap)
    await producer.start()
    try:
        began = time.perf_counter()
        sent = [await producer.send(topic, key=k, value=v) for k, v in records]
        await asyncio.gather(*sent)
        return time.perf_counter() - began
    finally:
        await producer.stop()


async def _raw_round_trip(bootstrap: str, records) -> float:
    """Records per second: produced to a fresh topic and read back whole."""
    from kit.settings import Settings
    from kit.topics import ensure_log_topics, read_topic

    topic = f"bench.audit-raw-{uuid.uuid4().hex[:8]}"
    await ensure_log_topics(Settings(kafka_bootstrap=bootstrap, log_topic=topic,
                                     log_partitions=PARTITIONS))
    produced = await _produce(bootstrap, topic, records)
    began = time.perf_counter()
    assert len(await read_topic(bootstrap, topic)) == len(records)
    return len(records) / (produced + time.perf_counter() - began)


async def _digests(bootstrap: str, topic: str) -> list:
    from kit.topics import stream_topic
    from services.audit.application import Digested

    return [Digested.of(r) async for r in stream_topic(bootstrap, topic)]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until(check, timeout: float) -> float:
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        if check():
            return time.perf_counter() - began
        time.sleep(0.05)
    raise TimeoutError("the audit service did not catch up")


def run() -> dict:
    from kit.devstack.stack import DevStack
    from kit.settings import Settings
    from kit.topics import ensure_log_topics
    from services.audit.adapters import keys
    from services.audit.adapters.store import AuditStore
    from services.audit.application import verify_log
    from tests.support.processes import service

    bootstrap = DevStack().kafka.up()
    records, appeals = _records()
    raw = asyncio.run(_raw_round_trip(bootstrap, records))
    topic = f"mcu.appeals.bench-audit-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_log_topics(Settings(kafka_bootstrap=bootstrap, log_topic=topic,
                                           log_partitions=PARTITIONS)))
    with tempfile.TemporaryDirectory() as data, ExitStack() as stack:
        env = {"MCU_KAFKA_BOOTSTRAP": bootstrap, "MCU_DATA_DIR": data, "MCU_LOG_TOPIC": topic,
               "MCU_LOG_PARTITIONS": str(PARTITIONS), "MCU_DEMO": "true",
               "MCU_AUDIT_CHECKPOINT_EVERY": "1000", "MCU_AUDIT_CHECKPOINT_SECONDS": "1",
               "MCU_ROUTING_DIRECTORY": None, "MCU_DEPLOYMENT": None}
        audit, process = stack.enter_context(service("audit", env))
        client = stack.enter_context(httpx.Client(base_url=audit, timeout=30))
        cpu_before = _cpu_seconds(process.pid)
        asyncio.run(_produce(bootstrap, topic, records))
        took = _wait_until(lambda: client.get("/api/v1/audit/witness").json()["records"]
                           >= len(records), 600)
        cpu = _cpu_seconds(process.pid) - cpu_before
        auditor = {"Authorization": "Bearer demo-u-auditor"}
        times = []
        for appeal in random.Random(7).sample(appeals, REPLAYS):
            began = time.perf_counter()
            answer = client.get(f"/api/v1/appeals/{appeal}/audit", headers=auditor)
            times.append(time.perf_counter() - began)
            assert answer.status_code == 200 and answer.json()["verified"], answer.text[:300]
            assert len(answer.json()["events"]) == EVENTS
        began = time.perf_counter()
        log = asyncio.run(_digests(bootstrap, topic))  # as mcu audit verify streams it
        checks_began = time.perf_counter()
        store = AuditStore(Path(data) / "audit.sqlite")
        report = verify_log(topic, log, store, keys.public_keys(
            Path(data) / "audit" / "signing-key.pem"))
        verify_s, checks_s = time.perf_counter() - began, time.perf_counter() - checks_began
        store.close()
        assert not report.discrepancies and report.covered == len(records)
    verify = len(records) / verify_s
    times.sort()
    return {"records": len(records), "raw_round_trip_per_s": round(raw),
            "ingested_per_s": round(len(records) / took),
            "cpu_us_per_record": round(cpu / len(records) * 1e6, 1),
            "verify_per_s": round(verify), "verify_ratio_to_raw": round(verify / raw, 2),
            "verify_checks_only_per_s": round(len(records) / checks_s),
            "replay_p50_ms": round(statistics.median(times) * 1000, 1),
            "replay_p95_ms": round(times[int(len(times) * 0.95)] * 1000, 1)}


if __name__ == "__main__":
    print(run())
