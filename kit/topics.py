"""Creates the log topics explicitly, with the configured partitions and no retention limit.

Auto-created topics would get one partition and the broker's default retention; the log
is the audit trail, so it is created on purpose and checked on every start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from kit.settings import Settings

log = logging.getLogger("mcu.topics")

UNLIMITED = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}


class TopicMismatch(RuntimeError):
    code = "topic_partition_mismatch"


async def ensure_topic(settings: Settings, name: str, partitions: int = 1) -> None:
    """A topic of the platform's own besides the log (the audit's checkpoints), kept
    forever like the log; created if missing."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        if name not in await _partitions(admin, [name]):
            try:
                await admin.create_topics([NewTopic(name, partitions, settings.log_replication,
                                                    topic_configs=UNLIMITED)])
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


async def ensure_log_topics(settings: Settings) -> dict[str, int]:
    """Create the log and its DLQ if missing; returns partitions per topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        wanted = {settings.log_topic: settings.log_partitions,
                  settings.dlq_topic: settings.log_partitions}
        existing = await _partitions(admin, list(wanted))
        missing = [
            NewTopic(name, partitions, settings.log_replication, topic_configs=UNLIMITED)
            for name, partitions in wanted.items() if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another service created it at the same moment
            log.info("log topics created", extra={"count": len(missing)})
        actual = await _settled_partitions(admin, wanted)
        for name, partitions in wanted.items():
            if actual.get(name) != partitions:
                # Changing the count would move appeals between partitions and break
                # per-appeal order: refuse rather than repartition silently.
                raise TopicMismatch(
                    f"у топика {name} разделов {actual.get(name)}, а в настройках"
                    f" {partitions}: число разделов не меняют (обращения перешли бы в другие"
                    " разделы и потеряли порядок)")
        return actual
    finally:
        await admin.close()


async def _settled_partitions(admin: AIOKafkaAdminClient, wanted: dict[str, int],
                              timeout: float = 15.0) -> dict[str, int]:
    """Partitions per topic once new topics' metadata has propagated."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        actual = await _partitions(admin, list(wanted))
        if set(actual) == set(wanted) or asyncio.get_running_loop().time() > deadline:
            return actual
        await asyncio.sleep(0.1)


async def _partitions(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    described = await admin.describe_topics(names)
    return {
        t["topic"]: len(t["partitions"]) for t in described
        if t.get("error_code", 0) == 0 and t.get("partitions")
    }


async def log_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """The topic's partitions as a started consumer sees them (metadata fetched if new)."""
    found = consumer.partitions_for_topic(topic)
    if not found:
        await consumer._client.force_metadata_update()  # noqa: SLF001
        found = consumer.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(found)]


async def stream_topic(bootstrap: str, topic: str, on_total=None
                       ) -> AsyncIterator[ConsumerRecord]:
    """Every record of a topic as it stands now, as it is fetched (no consumer group:
    nothing is committed); `on_total(n)` is told how many there are before the first.
    For tooling that must not hold the whole log (mcu audit verify)."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        partitions = await log_partitions(reader, topic)
        if not partitions:
            return
        reader.assign(partitions)
        await reader.seek_to_beginning(*partitions)
        end = await reader.end_offsets(partitions)
        if on_total is not None:
            begin = await reader.beginning_offsets(partitions)
            on_total(sum(end[tp] - begin[tp] for tp in partitions))
        while [tp for tp in partitions if await reader.position(tp) < end[tp]]:
            for batch in (await reader.getmany(timeout_ms=500)).values():
                for record in batch:
                    if record.offset < end[TopicPartition(record.topic, record.partition)]:
                        yield record
    finally:
        await reader.stop()


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Every record of a topic as it stands now, partition by partition, in offset order
    (no consumer group: nothing is committed). For reconciliation and tooling."""
    records = [record async for record in stream_topic(bootstrap, topic)]
    return sorted(records, key=lambda r: (r.partition, r.offset))
