"""Raw aiokafka round trip (the ceiling), outbox relay, tracked consumer on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from kit.settings import Settings
from kit.topics import ensure_log_topics
from tests.support.logtools import consumer, drain_relay, intake_app, register, relay, tally_app


async def raw_round_trip(bootstrap: str, topic: str, n: int, size: int = 300) -> float:
    """Messages/s produced and consumed back through the same broker, nothing else."""
    payload = os.urandom(size)
    reader = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4()}",
                              auto_offset_reset="earliest", enable_auto_commit=False,
                              max_poll_records=2000)
    writer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                              linger_ms=5, max_batch_size=256 * 1024)
    await reader.start()
    await writer.start()
    try:
        while not reader.assignment():
            await reader.getmany(timeout_ms=100)
        started = time.perf_counter()

        async def produce() -> None:
            futures = [await writer.send(topic, payload, key=str(i % 997).encode())
                       for i in range(n)]
            await asyncio.gather(*futures)

        producing = asyncio.create_task(produce())
        received = 0
        while received < n:
            for batch in (await reader.getmany(timeout_ms=200, max_records=2000)).values():
                received += len(batch)
        await producing
        return n / (time.perf_counter() - started)
    finally:
        await writer.stop()
        await reader.stop()


async def relay_rate(settings: Settings, n: int) -> tuple[float, object]:
    intake = intake_app(settings)
    register(intake, n, prefix=f"B{uuid.uuid4().hex[:6]}")
    r = relay(intake, settings)
    await r.start()
    started = time.perf_counter()
    moved = await drain_relay(r)
    seconds = time.perf_counter() - started
    await r.close()
    assert moved == n
    return n / seconds, intake


async def consumer_rate(settings: Settings, n: int) -> float:
    tally = tally_app(settings)
    c = consumer(tally, settings, name=f"bench-{settings.store}-{uuid.uuid4().hex[:6]}")
    await c.start()
    first = 0
    while first == 0:  # the clock starts once partitions are assigned and flowing
        first = await c.consume_once()
    done = first
    started = time.perf_counter()
    while done < n:
        done += await c.consume_once()
    seconds = time.perf_counter() - started
    await c.close()
    return (n - first) / seconds


async def run(bootstrap: str, pg, n_raw: int = 50_000,
              n_events: int = 20_000) -> list[tuple[str, float]]:
    """All four figures in one run, so their ratios compare like with like."""
    topic = f"mcu.appeals.bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(kafka_bootstrap=bootstrap, log_topic=topic, data_dir=Path(tmp),
                        consumer_batch_size=1000, consumer_batch_timeout_ms=100)
        await ensure_log_topics(base.model_copy(update={"log_topic": topic + ".raw"}))
        await ensure_log_topics(base)
        raw = await raw_round_trip(bootstrap, topic + ".raw", n_raw)
        relayed, _ = await relay_rate(base, n_events)
        sqlite = await consumer_rate(base, n_events)
        db = f"bench_{uuid.uuid4().hex[:8]}"
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=pg.port, user=pg.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        postgres = await consumer_rate(base.model_copy(update={
            "store": "postgres", "postgres_port": pg.port, "postgres_user": pg.user,
            "postgres_db": db}), n_events)
    return [("raw aiokafka round trip (msg/s)", raw), ("outbox relay (events/s)", relayed),
            ("tracked consumer, SQLite (events/s)", sqlite),
            ("tracked consumer, PostgreSQL (events/s)", postgres)]
