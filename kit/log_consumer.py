"""A consumer of the log whose positions live in its own store, not in Kafka.

Auto-commit is off; on (re)assignment each partition is sought to the position the store
recorded, so the store is the truth and a Kafka commit is only a hint for tools (one that
fails is left for the next). Subclasses say where positions are stored and what a batch
does. A batch whose handling fails (the broker or the store away) is handled again, the
same records, after a pause that grows: nothing is skipped and the consumer never ends
before the service does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import logging

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from kit.dead_letters import REPLAY_FOR, DeadLetterSink
from kit.supervision import Health, retrying
from kit.topics import log_partitions

log = logging.getLogger("mcu.consumer")

Batch = dict[TopicPartition, list[ConsumerRecord]]
CLOSE_TIMEOUT = 10.0  # seconds to let go of the broker at a stop


class LogTopicMissing(RuntimeError):
    """The log's topic does not exist yet (a consumer started before the services that
    create it)."""


class LogConsumer:
    def __init__(self, group: str, topic: str, dlq_topic: str, bootstrap: str,
                 batch_size: int = 500, batch_timeout_ms: int = 200,
                 health: Health | None = None, linger_ms: int = 0):
        self.name = group
        # how long a batch that is not full waits for more records: a consumer whose cost
        # is per batch (analytics) makes fewer, larger ones; a latency-bound one waits not
        self.linger_ms = linger_ms
        self.health = health or Health(group)
        self.topic = topic
        self.dlq_topic = dlq_topic
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.batch_timeout_ms = batch_timeout_ms
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq: DeadLetterSink | None = None
        self._stopping = asyncio.Event()
        self.assigned: set[TopicPartition] = set()
        # next offset per partition as stored: records fetched below it (before a seek
        # took effect) are not handled twice, nor dead-lettered twice
        self.stored: dict[TopicPartition, int] = {}

    # -- what subclasses provide -------------------------------------------------------
    def stored_positions(self, partitions: Sequence[int]) -> dict[int, int]:
        """Next offset per partition as the store recorded it (absent: from the start)."""
        raise NotImplementedError

    async def handle(self, batch: Batch) -> int:
        """Apply, store and commit one batch; returns the number of messages handled."""
        raise NotImplementedError

    def forget(self) -> None:
        """Partitions were revoked: drop anything cached about their appeals."""

    async def revoked(self, partitions: set[TopicPartition]) -> None:
        """Partitions are leaving this member (still ours until this returns)."""
        if partitions:
            self.forget()
        self.assigned -= partitions
        for tp in partitions:
            self.stored.pop(tp, None)

    async def idle(self) -> None:
        """A poll brought nothing: time for deferred work."""

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        await self.close()  # what a start that failed half-way left behind
        self._dlq = DeadLetterSink(self.bootstrap, self.dlq_topic, self.name)
        await self._dlq.start()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.name, enable_auto_commit=False,
            auto_offset_reset="earliest", max_poll_records=self.batch_size,
            fetch_max_bytes=32 * 1024 * 1024)
        await self._consumer.start()
        if not await log_partitions(self._consumer, self.topic):
            # subscribed to a topic not there yet, aiokafka would wait for its next metadata
            # refresh (minutes) before joining: fail the start, the service retries it
            raise LogTopicMissing(f"топика {self.topic} ещё нет: его создаёт первая служба, "
                                  "вошедшая в журнал")
        self._consumer.subscribe([self.topic], listener=_SeekToStored(self))

    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand."""
        self._stopping.set()

    async def close(self) -> None:
        """Leaves the group and lets go of the broker; bounded, since with the broker away
        aiokafka would wait for it forever (the stored positions are what counts)."""
        consumer, self._consumer = self._consumer, None
        dlq, self._dlq = self._dlq, None
        for closing in (consumer.stop() if consumer else None, dlq.close() if dlq else None):
            if closing is not None:
                try:
                    await asyncio.wait_for(closing, CLOSE_TIMEOUT)
                except (TimeoutError, KafkaError) as exc:
                    log.warning("closed without the broker", extra={
                        "component": self.name, "error_code": type(exc).__name__})

    async def run(self) -> None:
        while not self._stopping.is_set():
            await self.consume_once()

    async def consume_once(self) -> int:
        """One batch: fetched, then handled until it is (the same records each time)."""
        assert self._consumer is not None, "start() first"
        fetched = await retrying(self.name, self.health, self._fetch, self._stopping)
        fetched = {tp: kept for tp, records in fetched.items()
                   if (kept := distinct([r for r in records
                                         if r.offset >= self.stored.get(tp, 0)]))}
        if not fetched:
            await retrying(self.name, self.health, self.idle, self._stopping)
            return 0
        handled = await retrying(self.name, self.health, lambda: self.handle(fetched),
                                 self._stopping)
        return handled or 0

    async def _fetch(self) -> Batch:
        batch = {tp: list(records) for tp, records in (await self._consumer.getmany(
            timeout_ms=self.batch_timeout_ms, max_records=self.batch_size)).items() if records}
        count = sum(len(r) for r in batch.values())
        deadline = time.monotonic() + self.linger_ms / 1000
        while batch and count < self.batch_size and (left := deadline - time.monotonic()) > 0:
            more = await self._consumer.getmany(timeout_ms=max(int(left * 1000), 1),
                                                max_records=self.batch_size - count)
            for tp, records in more.items():
                batch.setdefault(tp, []).extend(records)
                count += len(records)
        return batch

    async def commit(self, positions: dict[TopicPartition, int]) -> None:
        """A hint for tools (the store holds the positions): one that fails is left for
        the next commit."""
        assert self._consumer is not None
        try:
            await self._consumer.commit(positions)
        except KafkaError as exc:
            log.debug("commit deferred", extra={"error_code": type(exc).__name__})

    def lag(self, tp: TopicPartition, next_offset: int) -> int | None:
        highwater = self._consumer.highwater(tp) if self._consumer else None
        return None if highwater is None else max(highwater - next_offset, 0)

    async def dead_letter(self, dead) -> None:
        assert self._dlq is not None, "start() first"
        await self._dlq.send(dead)


def distinct(records: Sequence[ConsumerRecord]) -> list[ConsumerRecord]:
    """A partition's records once each, in offset order. A batch gathered over several
    fetches (the linger) can hold some twice when a rebalance seeks back between them:
    the chaos test's broker outage put one event twice into analytics that way."""
    seen: dict[int, ConsumerRecord] = {}
    for record in records:
        seen.setdefault(record.offset, record)
    return [seen[o] for o in sorted(seen)]


def for_another(record: ConsumerRecord, consumer: str) -> bool:
    """A record replayed from the DLQ for another consumer: not this one's business."""
    for name, value in record.headers or ():
        if name == REPLAY_FOR:
            return value.decode(errors="replace") != consumer
    return False


class _SeekToStored(ConsumerRebalanceListener):
    def __init__(self, owner: LogConsumer):
        self.owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.owner.revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        stored = await asyncio.to_thread(self.owner.stored_positions,
                                         [tp.partition for tp in assigned])
        for tp in assigned:
            if tp.partition in stored:
                self.owner._consumer.seek(tp, stored[tp.partition])  # noqa: SLF001
                self.owner.stored[tp] = stored[tp.partition]
        self.owner.assigned |= set(assigned)
