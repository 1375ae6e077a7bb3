"""Ingests the log into ClickHouse: batches, pure rows, insert, then positions and offsets.

Exactly once in the tables although delivery is at least once:
* an event row is inserted only if its event_id is not in `events` yet (a republished
  event or a re-read after a crash changes nothing);
* an event changes an appeal's state only if the state has not applied its
  (producer, seq) yet;
* positions are stored after the inserts and Kafka offsets committed after that; on
  (re)assignment the consumer seeks to the stored positions.

An event whose payload the projection cannot read goes to the dead-letter topic with the
error and leaves the appeal's state as it was; the batch goes on. A batch that fails as a
whole (ClickHouse or the broker away) is handled again after a pause, with the appeal
states reloaded from the tables first (the failed attempt may have moved them ahead).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from uuid import UUID
from zoneinfo import ZoneInfo

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from contracts import UndecodableEvent, decode
from kit import metrics
from kit.dead_letters import Dead
from kit.log_consumer import Batch, LogConsumer, for_another
from kit.supervision import Health
from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.domain.rows import AppealState, state_from_row, state_row, to_row

log = logging.getLogger("mcu.analytics.ingest")


@dataclass
class BatchResult:
    inserted: int = 0
    duplicates: int = 0
    dead: list[Dead] = field(default_factory=list)


class Projector:
    """Turns records into rows and states and writes them (no Kafka in here)."""

    def __init__(self, ch: ClickHouse, zone: ZoneInfo, consumer: str = "mcu.analytics"):
        self.ch = ch
        self.zone = zone
        self.consumer = consumer  # records replayed from the DLQ for others are skipped
        self.states: dict[UUID, AppealState] = {}

    def load_states(self) -> int:
        self.states = {r["appeal_id"]: state_from_row(r)
                       for r in self.ch.rows("SELECT * FROM appeals FINAL")}
        return len(self.states)

    def positions(self, topic: str) -> dict[int, int]:
        return {p: o for p, o in self.ch.query(
            "SELECT `partition`, next_offset FROM ingest_positions FINAL WHERE topic = {t:String}",
            {"t": topic})[1]}

    def project(self, records: Sequence[ConsumerRecord]) -> BatchResult:
        """Insert the events not yet in the table and the states they changed."""
        result, decoded = BatchResult(), []
        for record in records:
            try:
                decoded.append((record, decode(record.value or b"", payload_model=False)))
            except UndecodableEvent as exc:
                result.dead.append((record, exc.code, exc.detail))
        decoded = [(r, e) for r, e in decoded if not for_another(r, self.consumer)]
        known = self._known_event_ids(decoded)
        rows, touched, seen = [], set(), set()
        for record, envelope in decoded:
            try:
                self._project_one(record, envelope, known, rows, touched, seen, result)
            except Exception as exc:  # noqa: BLE001 - one unreadable event, not the batch
                result.dead.append((record, "unreadable_payload",
                                    f"{type(exc).__name__}: {exc}"[:2000]))
        self.ch.insert("events", rows)
        version = time.time_ns()
        self.ch.insert("appeals", [state_row(self.states[a], version, self.zone) for a in touched])
        result.inserted = len(rows)
        return result

    def _project_one(self, record, envelope, known, rows, touched, seen, result) -> None:
        """One event's row and its appeal's new state (nothing changed if it fails)."""
        state = self.states.get(envelope.appeal_id)
        new_row = envelope.event_id not in known and envelope.event_id not in seen
        if state is not None and state.has_applied(envelope.producer, envelope.seq):
            if new_row:  # the state moved on but the row was lost (crash between):
                # the row is built on a copy, with the dimensions the appeal has now
                row, _ = to_row(envelope, record.partition, record.offset,
                                copy.copy(state), self.zone)
                rows.append(row)
                seen.add(envelope.event_id)
            else:
                result.duplicates += 1
            return
        row, after = to_row(envelope, record.partition, record.offset, state, self.zone)
        self.states[envelope.appeal_id] = after
        touched.add(envelope.appeal_id)
        if new_row:
            rows.append(row)
            seen.add(envelope.event_id)
        else:
            result.duplicates += 1

    def save_positions(self, topic: str, positions: dict[int, int]) -> None:
        self.ch.insert("ingest_positions", [
            {"topic": topic, "partition": p, "next_offset": o} for p, o in positions.items()])

    def _known_event_ids(self, decoded: Iterable) -> set[UUID]:
        pairs = [(e.appeal_id, e.event_id) for _, e in decoded]
        if not pairs:
            return set()
        return {r[0] for r in self.ch.query(
            "SELECT event_id FROM events WHERE appeal_id IN {a:Array(UUID)} "
            "AND event_id IN {e:Array(UUID)}",
            {"a": list({a for a, _ in pairs}), "e": [e for _, e in pairs]})[1]}


class Ingestor(LogConsumer):
    """The analytics consumer of the log (group `mcu.analytics`)."""

    def __init__(self, projector: Projector, topic: str, dlq_topic: str, bootstrap: str,
                 group: str = "mcu.analytics", batch_size: int = 5000, timeout_ms: int = 200,
                 health: Health | None = None):
        super().__init__(group, topic, dlq_topic, bootstrap, batch_size, timeout_ms, health)
        self.projector = projector
        self._states_in_doubt = False  # a failed batch may have moved them ahead

    async def start(self) -> None:
        count = await asyncio.to_thread(self.projector.load_states)
        log.info("appeal states loaded", extra={"count": count})
        await super().start()

    def stored_positions(self, partitions: Sequence[int]) -> dict[int, int]:
        return self.projector.positions(self.topic)

    async def handle(self, batch: Batch) -> int:
        """Insert the batch, then store positions, then commit offsets."""
        records = [r for tp in sorted(batch, key=lambda t: t.partition) for r in batch[tp]]
        if self._states_in_doubt:
            await asyncio.to_thread(self.projector.load_states)
            self._states_in_doubt = False
        self._states_in_doubt = True
        result = await asyncio.to_thread(self.projector.project, records)
        await self.dead_letter(result.dead)
        positions = {tp.partition: recs[-1].offset + 1 for tp, recs in batch.items()}
        await asyncio.to_thread(self.projector.save_positions, self.topic, positions)
        self._states_in_doubt = False
        self.stored |= {TopicPartition(self.topic, p): o for p, o in positions.items()}
        await self.commit({TopicPartition(self.topic, p): o for p, o in positions.items()})
        metrics.EVENTS_CONSUMED.labels(self.name).inc(result.inserted)
        metrics.EVENTS_DUPLICATE.labels(self.name).inc(result.duplicates)
        for tp, recs in batch.items():
            lag = self.lag(tp, recs[-1].offset + 1)
            if lag is not None:
                metrics.CONSUMER_LAG.labels(self.name, str(tp.partition)).set(lag)
        return len(records)
