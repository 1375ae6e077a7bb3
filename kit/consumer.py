"""Tracked consumer: batches from the log, effects stored with their positions, exactly once.

For each partition's share of a batch the service's reaction and the inbox marks are
saved in ONE store transaction with a tracking record `<topic>#<partition>` = next
offset. Kafka offsets are committed only after that; on (re)assignment the consumer
seeks to the tracked positions, so the store — not Kafka — is the truth. A message that
cannot be decoded or whose reaction fails goes to the DLQ with its error and position,
and the partition moves on.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord
from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import Envelope, UndecodableEvent, decode
from contracts.dead_letter import DeadLetter
from kit import metrics
from kit.inbox import Inbox, inbox_id
from kit.outbox import make_producer
from kit.stores import ServiceApplication

log = logging.getLogger("mcu.consumer")


class UnitOfWork:
    """Aggregates touched while reacting to one batch; later messages see earlier changes."""

    def __init__(self, app: ServiceApplication):
        self.app = app
        self._touched: dict[UUID, Aggregate] = {}

    def get(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id in self._touched:
            return self._touched[aggregate_id]
        try:
            aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        self._touched[aggregate_id] = aggregate
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        self._touched[aggregate.id] = aggregate

    def processing_event(self, tracking: Tracking) -> ProcessingEvent:
        processing = ProcessingEvent(tracking)
        processing.collect_events(*self._touched.values())
        return processing


class Reaction(Protocol):
    def __call__(self, envelope: Envelope, unit: UnitOfWork) -> None: ...


class ReactionFailed(Exception):
    def __init__(self, record: ConsumerRecord, error: Exception):
        super().__init__(str(error))
        self.record = record
        self.error = error


@dataclass
class PartitionOutcome:
    applied: int = 0
    duplicates: int = 0
    dead: list[tuple[ConsumerRecord, str, str]] = field(default_factory=list)


Hook = Callable[[str], Awaitable[None] | None]


def tracking_name(topic: str, partition: int) -> str:
    return f"{topic}#{partition}"


class TrackedConsumer:
    def __init__(self, app: ServiceApplication, name: str, react: Reaction, topic: str,
                 dlq_topic: str, bootstrap: str, batch_size: int = 500,
                 batch_timeout_ms: int = 200, fault_hook: Hook | None = None):
        self.app = app
        self.name = name
        self.react = react
        self.topic = topic
        self.dlq_topic = dlq_topic
        self.bootstrap = bootstrap
        self.batch_size = batch_size
        self.batch_timeout_ms = batch_timeout_ms
        self._fault_hook = fault_hook
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq = make_producer(bootstrap)
        self._stopping = asyncio.Event()
        self.assigned: set[TopicPartition] = set()

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch_size,
            fetch_max_bytes=16 * 1024 * 1024,
        )
        await self._dlq.start()
        await self._consumer.start()
        self._consumer.subscribe([self.topic], listener=_SeekToTracked(self))

    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand."""
        self._stopping.set()

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
        await self._dlq.stop()

    async def run(self) -> None:
        while not self._stopping.is_set():
            await self.consume_once()

    # -- one batch ---------------------------------------------------------------------
    async def consume_once(self) -> int:
        """Fetch, apply and commit one batch; returns the number of messages handled."""
        assert self._consumer is not None, "start() first"
        batch = await self._consumer.getmany(
            timeout_ms=self.batch_timeout_ms, max_records=self.batch_size
        )
        handled = 0
        for tp, records in batch.items():
            if not records:
                continue
            started = time.perf_counter()
            outcome, work = await asyncio.to_thread(self._prepare, tp, records)
            await self._dead_letter(outcome.dead)
            await asyncio.to_thread(self._store_all, work)
            await self._fault("after_store")
            await self._consumer.commit({tp: records[-1].offset + 1})
            self._observe(tp, records, outcome, time.perf_counter() - started)
            handled += len(records)
        return handled

    def _prepare(self, tp: TopicPartition, records: Sequence[ConsumerRecord]
                 ) -> tuple[PartitionOutcome, list[tuple[UnitOfWork, Tracking]]]:
        """Decode, drop repeats and react in memory; nothing is stored yet.

        Dead letters are produced before the store transaction, so a crash can
        duplicate a dead letter but never lose one.
        """
        name = tracking_name(tp.topic, tp.partition)
        try:
            outcome, unit = self._react_all(records)
            return outcome, [(unit, Tracking(name, records[-1].offset + 1))]
        except ReactionFailed:
            return self._prepare_one_by_one(name, records)

    def _prepare_one_by_one(self, name: str, records: Sequence[ConsumerRecord]
                            ) -> tuple[PartitionOutcome, list[tuple[UnitOfWork, Tracking]]]:
        """A reaction failed: isolate the poison message, keep every other effect."""
        total, work = PartitionOutcome(), []
        for record in records:
            try:
                outcome, unit = self._react_all([record])
            except ReactionFailed as failed:
                outcome, unit = PartitionOutcome(), UnitOfWork(self.app)
                outcome.dead.append((record, "reaction_failed", repr(failed.error)))
            work.append((unit, Tracking(name, record.offset + 1)))
            total.applied += outcome.applied
            total.duplicates += outcome.duplicates
            total.dead += outcome.dead
        return total, work

    def _react_all(self, records: Sequence[ConsumerRecord]) -> tuple[PartitionOutcome, UnitOfWork]:
        outcome, unit = PartitionOutcome(), UnitOfWork(self.app)
        inboxes: dict[UUID, Inbox] = {}
        for record in records:
            try:
                envelope = decode(record.value or b"")
            except UndecodableEvent as exc:
                outcome.dead.append((record, exc.code, exc.detail))
                continue
            inbox = inboxes.get(envelope.appeal_id) or self._inbox(unit, envelope.appeal_id)
            inboxes[envelope.appeal_id] = inbox
            if inbox.has_applied(envelope.producer, envelope.seq):
                outcome.duplicates += 1
                continue
            try:
                self.react(envelope, unit)
            except Exception as exc:  # noqa: BLE001 - any failure isolates the message
                raise ReactionFailed(record, exc) from exc
            inbox.mark(envelope.producer, envelope.seq)
            outcome.applied += 1
        for inbox in inboxes.values():
            inbox.flush()
        return outcome, unit

    def _inbox(self, unit: UnitOfWork, appeal_id: UUID) -> Inbox:
        inbox = unit.get(inbox_id(self.name, appeal_id))
        if inbox is None:
            inbox = Inbox(consumer=self.name, appeal_id=appeal_id)
            unit.add(inbox)
        return inbox

    def _store_all(self, work: list[tuple[UnitOfWork, Tracking]]) -> None:
        for unit, tracking in work:
            try:
                self.app.record(unit.processing_event(tracking))
            except IntegrityError:
                # This position was already stored (redelivered before the seek took
                # effect): the transaction rolled back, nothing is applied twice.
                log.warning("position already tracked",
                            extra={"position": tracking.notification_id})

    # -- side effects ------------------------------------------------------------------
    async def _dead_letter(self, dead: list[tuple[ConsumerRecord, str, str]]) -> None:
        futures = []
        for record, code, detail in dead:
            letter = DeadLetter(
                consumer=self.name, error_code=code, error=detail[:4000],
                source_topic=record.topic, source_partition=record.partition,
                source_offset=record.offset,
                key=record.key.decode(errors="replace") if record.key else None,
                value_base64=base64.b64encode(record.value or b"").decode(),
                failed_at=datetime.now(UTC),
            )
            futures.append(await self._dlq.send(
                self.dlq_topic, value=letter.model_dump_json().encode(), key=record.key
            ))
            metrics.DLQ_MESSAGES.labels(self.name, code).inc()
            log.error("message dead-lettered", extra={
                "error_code": code, "partition": record.partition, "offset": record.offset})
        await asyncio.gather(*futures)

    def _observe(self, tp: TopicPartition, records: Sequence[ConsumerRecord],
                 outcome: PartitionOutcome, seconds: float) -> None:
        metrics.EVENTS_CONSUMED.labels(self.name).inc(outcome.applied)
        metrics.EVENTS_DUPLICATE.labels(self.name).inc(outcome.duplicates)
        metrics.BATCH_SECONDS.labels(self.name).set(seconds)
        highwater = self._consumer.highwater(tp) if self._consumer else None
        if highwater is not None:
            lag = highwater - (records[-1].offset + 1)
            metrics.CONSUMER_LAG.labels(self.name, str(tp.partition)).set(max(lag, 0))

    async def _fault(self, point: str) -> None:
        if self._fault_hook is not None:
            result = self._fault_hook(point)
            if asyncio.iscoroutine(result):
                await result


class _SeekToTracked(ConsumerRebalanceListener):
    """On assignment, start each partition where the store says, not where Kafka says."""

    def __init__(self, owner: TrackedConsumer):
        self.owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # Another member may change these appeals now: forget cached aggregates.
        if revoked and self.owner.app.repository.cache is not None:
            self.owner.app.repository.cache.clear()
        self.owner.assigned -= set(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        consumer = self.owner._consumer  # noqa: SLF001
        assert consumer is not None
        for tp in assigned:
            position = await asyncio.to_thread(
                self.owner.app.tracked_position, tracking_name(tp.topic, tp.partition)
            )
            if position is not None:
                consumer.seek(tp, position)
        self.owner.assigned |= set(assigned)
