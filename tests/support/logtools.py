"""Reading and writing the log in tests, and driving the relay and consumer to quiet."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from contracts.vocabulary import Channel
from kit.consumer import TrackedConsumer
from kit.privacy import redactor
from kit.outbox import OutboxRelay
from kit.settings import Settings
from kit.deployment import Deployment
from kit.stores import store_environment
from kit.topics import log_partitions, read_topic as read_all
from services.intake.application import IntakeApplication
from services.intake.domain.commands import RegisterAppeal
from tests.support.tally import TallyApplication, tally_ids
from tests.support.intake import shipped_classifier
from tests.support.routing import deployment as directory_deployment


class Crash(BaseException):
    """Stands for the process dying at a fault point: nothing after it runs (a
    BaseException, as a death is: no retry of a fault catches it)."""


def crash_at(point: str):
    def hook(reached: str) -> None:
        if reached == point:
            raise Crash(point)
    return hook


def intake_app(settings: Settings, deployment: Deployment | None = None) -> IntakeApplication:
    """Intake on the test municipality, or on `deployment` (the one its consumers know)."""
    return IntakeApplication(redactor=redactor(), classifier=shipped_classifier(),
                             deployment=deployment or directory_deployment(),
                             env=store_environment("intake", settings))


def tally_app(settings: Settings) -> TallyApplication:
    return TallyApplication(env=store_environment("tally", settings))


def register(app: IntakeApplication, n: int, prefix: str = "A", text: str | None = None) -> list:
    return [
        app.register(RegisterAppeal(
            channel=Channel.WEB, external_id=f"{prefix}-{i}",
            text=text or f"Не горит фонарь у дома {i} на ул. Садовой",
            territory="г. Константиновск")).appeal_id
        for i in range(n)
    ]


def relay(app, settings: Settings, fault_hook=None) -> OutboxRelay:
    return OutboxRelay(app, "intake", settings.log_topic, settings.kafka_bootstrap,
                       batch_size=settings.relay_batch_size, fault_hook=fault_hook)


async def publish_all(app, settings: Settings, producer: str = "intake") -> int:
    """Relay everything the application has stored to the log, then stop (a clean stop)."""
    r = OutboxRelay(app, producer, settings.log_topic, settings.kafka_bootstrap,
                    batch_size=settings.relay_batch_size)
    await r.start()
    moved = await drain_relay(r)
    await r.close()
    return moved


async def drain_relay(r: OutboxRelay) -> int:
    moved = 0
    while (n := await r.relay_once()):
        moved += n
    return moved


def consumer(app: TallyApplication, settings: Settings, fault_hook=None,
             name: str = "mcu.tally", **options) -> TrackedConsumer:
    return TrackedConsumer(app, name, app.react, settings.log_topic, settings.dlq_topic,
                           settings.kafka_bootstrap, settings.consumer_batch_size,
                           settings.consumer_batch_timeout_ms, fault_hook=fault_hook,
                           aggregate_ids=tally_ids, **options)


async def consume_until(c: TrackedConsumer, done, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(done):
        if time.monotonic() > deadline:
            raise TimeoutError("consumer did not reach the expected state")
        await c.consume_once()


async def produce_raw(bootstrap: str, topic: str, items: list[tuple[bytes, bytes]]) -> None:
    """Publish in order (per key) and in batches; returns when every message is acked."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True,
                                linger_ms=5, max_batch_size=1 << 20)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=value, key=key) for key, value in items]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
