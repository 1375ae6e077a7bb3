"""Routing figures: decisions/s consumed from the log, and the latency from AppealRegistered
on the log to the autorule's AppealRouted and to SLA's DeadlineSet on the log at a steady
500 appeals/s."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts import encode
from demo.corpus import TERRITORIES, TOPICS
from kit.consumer import TrackedConsumer
from kit.settings import Settings
from kit.stores import store_environment
from kit.topics import ensure_log_topics
from kit.deployment import single
from kit.directory import load_directory
from services.routing.adapters.reference_files import load_rules
from services.routing.application import RoutingApplication
from tests.support.envelopes import AppealStory


def registrations(n: int, seed: int = 5) -> list:
    rng = random.Random(seed)
    topics, territories = list(TOPICS), [t for t, _ in TERRITORIES]
    now = datetime.now(UTC)
    return [AppealStory().registered(now, topic=rng.choice(topics),
                                     territory=rng.choice(territories)) for _ in range(n)]


def routing_app(data_dir: Path) -> RoutingApplication:
    directory, data = load_directory()
    rules, _ = load_rules(directory)
    return RoutingApplication(env=store_environment("routing", Settings(data_dir=data_dir)),
                              deployment=single(directory, data), rules={directory.id: rules})


async def _produce(bootstrap: str, topic: str, envelopes, rate: float | None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                                linger_ms=2)
    await producer.start()
    try:
        started = time.monotonic()
        futures = []
        for n, envelope in enumerate(envelopes):
            futures.append(await producer.send(topic, encode(envelope),
                                               key=str(envelope.appeal_id).encode()))
            if rate:
                delay = started + n / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def decisions_per_second(bootstrap: str, n: int = 10_000) -> float:
    settings = Settings(kafka_bootstrap=bootstrap,
                        log_topic=f"mcu.appeals.bench-r-{uuid.uuid4().hex[:6]}")
    await ensure_log_topics(settings)
    await _produce(bootstrap, settings.log_topic, registrations(n), None)
    app = routing_app(Path(tempfile.mkdtemp()))
    consumer = TrackedConsumer(app, "bench-routing", app.react, settings.log_topic,
                               settings.dlq_topic, bootstrap, 1000, 100)
    await consumer.start()
    first = 0
    while not first:
        first = await consumer.consume_once()
    started, done = time.perf_counter(), first
    while done < n:
        done += await consumer.consume_once()
    seconds = time.perf_counter() - started
    await consumer.close()
    return (n - first) / seconds


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _percentiles(lat: list[int]) -> dict:
    lat = sorted(lat)
    if not lat:
        return {"count": 0}
    return {"count": len(lat), "p50_ms": lat[len(lat) // 2],
            "p99_ms": lat[int(len(lat) * 0.99)], "max_ms": lat[-1]}


async def latency_at(bootstrap: str, rate: float = 500, seconds: float = 20,
                     store: dict[str, str] | None = None) -> dict:
    """Run the routing and SLA services as processes (`mcu serve …`) on a fresh log topic,
    produce registrations at `rate`, and time each appeal from its AppealRegistered to its
    AppealRouted and to its first DeadlineSet, by the log's own timestamps."""
    import json
    import os
    import signal
    import subprocess
    import sys

    from demo.runner import wait_for

    settings = Settings(kafka_bootstrap=bootstrap,
                        log_topic=f"mcu.appeals.bench-l-{uuid.uuid4().hex[:6]}")
    await ensure_log_topics(settings)
    data_dir, services, ports = tempfile.mkdtemp(), [], []
    for name in ("routing", "sla"):
        ports.append(_free_port())
        services.append(subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", name],
            env={**os.environ, "MCU_KAFKA_BOOTSTRAP": bootstrap,
                 "MCU_LOG_TOPIC": settings.log_topic, "MCU_DATA_DIR": data_dir,
                 "MCU_HTTP_PORT": str(ports[-1]), "MCU_CONSUMER_BATCH_TIMEOUT_MS": "20",
                 "MCU_RELAY_POLL_INTERVAL_MS": "5", "MCU_LOG_LEVEL": "WARNING", **(store or {})},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port in ports:
            wait_for(f"http://127.0.0.1:{port}", timeout=60)
        watcher = AIOKafkaConsumer(settings.log_topic, bootstrap_servers=bootstrap,
                                   group_id=f"w-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest")
        await watcher.start()
        envelopes = registrations(int(rate * seconds), seed=9)
        registered, routed, timed = {}, {}, {}
        producing = asyncio.create_task(_produce(bootstrap, settings.log_topic, envelopes, rate))
        deadline = time.monotonic() + seconds + 60
        while ((len(routed) < len(envelopes) or len(timed) < len(envelopes)
                or not producing.done()) and time.monotonic() < deadline):
            for records in (await watcher.getmany(timeout_ms=200)).values():
                for record in records:
                    event = json.loads(record.value)  # only type and appeal: keep the watcher light
                    kind, appeal = event["event_type"], event["appeal_id"]
                    if kind == "AppealRegistered":
                        registered[appeal] = record.timestamp
                    elif kind == "AppealRouted":
                        routed[appeal] = record.timestamp
                    elif kind == "DeadlineSet":
                        timed.setdefault(appeal, record.timestamp)
        await watcher.stop()
    finally:
        for service in services:
            service.send_signal(signal.SIGTERM)
        for service in services:
            service.wait(timeout=30)
    routed_lat = _percentiles([routed[a] - registered[a] for a in routed if a in registered])
    timed_lat = _percentiles([timed[a] - registered[a] for a in timed if a in registered])
    return {"store": (store or {}).get("MCU_STORE", "sqlite"), "rate": rate,
            "appeals": len(envelopes), "routed": routed_lat.pop("count"),
            "deadline_set": timed_lat, **routed_lat}


async def run(bootstrap: str, pg=None) -> dict:
    """Decisions per second; latency on SQLite, and on PostgreSQL (a fresh database) when
    a server is given."""
    found = {"decisions_per_second": await decisions_per_second(bootstrap),
             "latency": await latency_at(bootstrap)}
    if pg is not None:
        import psycopg

        db = f"bench_l_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(host="127.0.0.1", port=pg.port, user=pg.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        found["latency_postgres"] = await latency_at(bootstrap, store={
            "MCU_STORE": "postgres", "MCU_POSTGRES_PORT": str(pg.port),
            "MCU_POSTGRES_USER": pg.user, "MCU_POSTGRES_DB": db})
    return found
