"""Tracked consumer: batches from the log, effects stored with their positions, exactly once.

For each partition's share of a batch the service's reaction and the inbox marks are
saved in ONE store transaction with a tracking record `<topic>#<partition>` = next
offset. Kafka offsets are committed only after that; on (re)assignment the consumer
seeks to the tracked positions, so the store — not Kafka — is the truth. A message that
cannot be decoded or whose reaction fails goes to the DLQ with its error and position,
and the partition moves on.

A share that changes nothing (the service's own events coming back, duplicates) has only
a position to store: it waits up to `position_interval` seconds (or the next share that
does store, or a clean stop) so that a publishing service does not commit a transaction
per partition per batch for its own events. After a crash the consumer re-reads that
short tail, which again changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import Envelope, UndecodableEvent, decode
from kit import metrics
from kit.faults import FaultHook, reach
from kit.inbox import BatchInbox, inbox_id
from kit.log_consumer import Batch, LogConsumer, for_another
from kit.stores import ServiceApplication
from kit.unit_of_work import UnitOfWork
from kit.supervision import Health

log = logging.getLogger("mcu.consumer")


class Reaction(Protocol):
    def __call__(self, envelope: Envelope, unit: UnitOfWork) -> None: ...


def the_appeal(envelope: Envelope) -> Iterable[UUID]:
    """The aggregates a reaction asks its unit for: the services key theirs by appeal."""
    return (envelope.appeal_id,)


class ReactionFailed(Exception):
    def __init__(self, record: ConsumerRecord, error: Exception):
        super().__init__(str(error))
        self.record = record
        self.error = error


@dataclass
class PartitionOutcome:
    """What one partition's share of a batch came to."""

    applied: int = 0
    duplicates: int = 0
    dead: list[tuple[ConsumerRecord, str, str]] = field(default_factory=list)


MAX_CONFLICT_RETRIES = 5
POSITION_INTERVAL = 2.0  # seconds a position that changes nothing may wait to be stored


def tracking_name(topic: str, partition: int) -> str:
    return f"{topic}#{partition}"


class TrackedConsumer(LogConsumer):
    def __init__(self, app: ServiceApplication, name: str, react: Reaction, topic: str,
                 dlq_topic: str, bootstrap: str, batch_size: int = 500,
                 batch_timeout_ms: int = 200, fault_hook: FaultHook | None = None,
                 own_producer: str | None = None,
                 position_interval: float = POSITION_INTERVAL, health: Health | None = None,
                 aggregate_ids: Callable[[Envelope], Iterable[UUID]] = the_appeal):
        super().__init__(name, topic, dlq_topic, bootstrap, batch_size, batch_timeout_ms,
                         health)
        self.app = app
        self.react = react
        self._fault_hook = fault_hook
        self.own_producer = own_producer  # a service never reacts to its own events
        self.position_interval = position_interval
        self.aggregate_ids = aggregate_ids
        self._unsaved: dict[TopicPartition, tuple[int, float]] = {}  # next offset, since

    def stored_positions(self, partitions: Sequence[int]) -> dict[int, int]:
        found = {p: self.app.tracked_position(tracking_name(self.topic, p)) for p in partitions}
        return {p: position for p, position in found.items() if position is not None}

    def forget(self) -> None:
        # Another member may change these appeals now: forget cached aggregates.
        if self.app.repository.cache is not None:
            self.app.repository.cache.clear()

    # -- one batch ---------------------------------------------------------------------
    async def handle(self, batch: Batch) -> int:
        """Apply, store and commit each partition's share; returns messages handled."""
        handled = 0
        for tp, records in batch.items():
            started = time.perf_counter()
            outcome, stored = await self._apply_partition(tp, records)
            if stored:
                self._unsaved.pop(tp, None)  # the stored position is newer
                self.stored[tp] = records[-1].offset + 1
                await reach(self._fault_hook, "after_store")
                await self.commit({tp: records[-1].offset + 1})
            self._observe(tp, records, outcome, time.perf_counter() - started)
            handled += len(records)
        await self.idle()
        return handled

    async def idle(self) -> None:
        await self.store_positions(due_only=True)

    async def close(self) -> None:
        if self._consumer is not None:
            try:
                await self.store_positions(due_only=False)
            except Exception as exc:  # noqa: BLE001 - the stop goes on; that tail is re-read
                log.warning("positions not stored at stop",
                            extra={"error_code": type(exc).__name__})
        await super().close()

    async def revoked(self, partitions: set[TopicPartition]) -> None:
        await self.store_positions(due_only=False, among=partitions)
        await super().revoked(partitions)

    async def store_positions(self, due_only: bool,
                              among: set[TopicPartition] | None = None) -> None:
        """Store (and commit) the positions of shares that changed nothing."""
        now = time.monotonic()
        for tp, (offset, since) in list(self._unsaved.items()):
            if among is not None and tp not in among:
                continue
            if not due_only or now - since >= self.position_interval:
                processing = ProcessingEvent(Tracking(tracking_name(tp.topic, tp.partition),
                                                      offset))
                if await asyncio.to_thread(self._store, processing):
                    del self._unsaved[tp]
                    self.stored[tp] = offset
                    await self.commit({tp: offset})

    async def _apply_partition(self, tp: TopicPartition, records: Sequence[ConsumerRecord]
                               ) -> tuple[PartitionOutcome, bool]:
        """One transaction for the partition's share; one per message if a reaction fails.
        Returns the outcome and whether it was stored (False: only a position, deferred).

        Dead letters are produced before the store transaction that moves past them, so
        a crash can duplicate a dead letter but never lose one.
        """
        name, end = tracking_name(tp.topic, tp.partition), records[-1].offset + 1
        for attempt in range(1, MAX_CONFLICT_RETRIES + 1):
            try:
                outcome, unit = await asyncio.to_thread(self._react_all, records)
            except ReactionFailed:
                return await self._apply_one_by_one(name, records), True
            await self.dead_letter(outcome.dead)
            processing = unit.processing_event(Tracking(name, end))
            if not processing.events and not outcome.dead:
                since = self._unsaved.get(tp, (end, time.monotonic()))[1]
                self._unsaved[tp] = (end, since)
                return outcome, False
            if await asyncio.to_thread(self._store, processing):
                return outcome, True
            log.warning("store conflict, retrying batch", extra={"count": attempt})
        raise RuntimeError(f"{self.name}: store conflicts did not clear on {name}")

    async def _apply_one_by_one(self, name: str,
                                records: Sequence[ConsumerRecord]) -> PartitionOutcome:
        """A reaction failed: isolate the poison message, keep every other effect."""
        total = PartitionOutcome()
        for record in records:
            for _ in range(MAX_CONFLICT_RETRIES):
                try:
                    outcome, unit = await asyncio.to_thread(self._react_all, [record])
                except ReactionFailed as failed:
                    outcome, unit = PartitionOutcome(), UnitOfWork(self.app)
                    outcome.dead.append((record, "reaction_failed", repr(failed.error)))
                await self.dead_letter(outcome.dead)
                processing = unit.processing_event(Tracking(name, record.offset + 1))
                if await asyncio.to_thread(self._store, processing):
                    break
            else:
                raise RuntimeError(f"{self.name}: store conflicts did not clear on {name}")
            total.applied += outcome.applied
            total.duplicates += outcome.duplicates
            total.dead += outcome.dead
        return total

    def _react_all(self, records: Sequence[ConsumerRecord]) -> tuple[PartitionOutcome, UnitOfWork]:
        outcome, unit = PartitionOutcome(), UnitOfWork(self.app)
        envelopes = self._decoded(records, outcome)
        # the batch's aggregates and inboxes come from one query, not a round trip per
        # look-up (the PostgreSQL consumer's rate)
        unit.expect({i for _, e in envelopes for i in self.aggregate_ids(e)}
                    | {inbox_id(self.name, e.appeal_id) for _, e in envelopes})
        inboxes: dict[UUID, BatchInbox] = {}
        for record, envelope in envelopes:
            inbox = inboxes.get(envelope.appeal_id)
            if inbox is None:
                stored = unit.get(inbox_id(self.name, envelope.appeal_id))
                inbox = inboxes[envelope.appeal_id] = BatchInbox(self.name, envelope.appeal_id, stored)
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
            flushed = inbox.flush()
            if flushed is not None:
                unit.add(flushed)
        return outcome, unit

    def _decoded(self, records: Sequence[ConsumerRecord], outcome: PartitionOutcome
                 ) -> list[tuple[ConsumerRecord, Envelope]]:
        """The records this consumer reacts to, decoded; an undecodable one is dead."""
        found = []
        own = self.own_producer.encode() if self.own_producer else None
        for record in records:
            if own is not None and ("producer", own) in (record.headers or ()):
                continue  # our own event (the relay's header says so): not even decoded
            if for_another(record, self.name):
                continue  # replayed from the DLQ for another consumer
            try:
                envelope = decode(record.value or b"")
            except UndecodableEvent as exc:
                outcome.dead.append((record, exc.code, exc.detail))
                continue
            if envelope.producer != self.own_producer:
                found.append((record, envelope))
        return found

    def _store(self, processing: ProcessingEvent) -> bool:
        """Store a unit's events with their tracking record; False means retry (a
        concurrent write)."""
        tracking = processing.tracking
        try:
            self.app.record(processing)
            return True
        except IntegrityError as conflict:
            log.info("store conflict: %s", str(conflict)[:200])
            if self.app.repository.cache is not None:
                self.app.repository.cache.clear()  # cached aggregates may be stale now
            if self.app.process_recorder.has_tracking_id(
                    tracking.application_name, tracking.notification_id):
                # Already stored (redelivered before the seek took effect): the
                # transaction rolled back, nothing is applied twice.
                log.warning("position already tracked",
                            extra={"position": tracking.notification_id})
                return True
            return False

    # -- side effects ------------------------------------------------------------------
    def _observe(self, tp: TopicPartition, records: Sequence[ConsumerRecord],
                 outcome: PartitionOutcome, seconds: float) -> None:
        metrics.EVENTS_CONSUMED.labels(self.name).inc(outcome.applied)
        metrics.EVENTS_DUPLICATE.labels(self.name).inc(outcome.duplicates)
        metrics.BATCH_SECONDS.labels(self.name).set(seconds)
        lag = self.lag(tp, records[-1].offset + 1)
        if lag is not None:
            metrics.CONSUMER_LAG.labels(self.name, str(tp.partition)).set(lag)
