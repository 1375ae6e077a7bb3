"""The one projection of the log into ClickHouse: `events`, `appeals` (and `daily`, by its
view on `events`), written once in SQL for the live ingest and the rebuild alike.

A batch of records is staged as the log's bytes (`log_staging`); ClickHouse parses it
(parse.sql), folds each appeal's state before the batch with the batch's events
(input.sql) into the events' rows (events.sql) and the appeals' states (appeals.sql), and
the batch is dropped. Python only moves bytes, upcasts records of an older schema version
through the catalog (one definition of upcasting) and names what could not be read.

Exactly once in the tables although delivery is at least once: an event row is inserted
only if its event_id is not in `events` yet, and an event changes its appeal's state only
if the state has not applied its (producer, seq). Rows go in before states, so a batch
that fails between the two is handled again without counting anything twice.
"""

from __future__ import annotations

import itertools
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from aiokafka.structs import ConsumerRecord

from contracts import CATALOG, Envelope, UndecodableEvent, decode, encode
from contracts.status import STATUS_AFTER
from contracts.vocabulary import Role
from kit.dead_letters import Dead
from kit.log_consumer import for_another
from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.domain.tree import Tree

HERE = Path(__file__).parent


@dataclass
class BatchResult:
    inserted: int = 0
    duplicates: int = 0
    dead: list[Dead] = field(default_factory=list)


class Projector:
    """Stages records and computes the tables from them (no Kafka in here)."""

    def __init__(self, ch: ClickHouse, tree: Tree | ZoneInfo, consumer: str = "mcu.analytics"):
        """`tree`: the deployment's (a zone alone: a deployment of one municipality)."""
        self.ch = ch
        self.tree = tree if isinstance(tree, Tree) else Tree.one(tree.key)
        self.consumer = consumer  # records replayed from the DLQ for others are skipped
        self._batches = itertools.count(time.time_ns())  # unique across restarts
        self._prepared = False
        self._written: dict[tuple[str, bool], str] = {}

    # -- set-up ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """The working tables, the parsing view and the vocabulary from contracts/; a batch
        a stopped process left half done is dropped (it will be read again)."""
        self.ch.command("DROP TABLE IF EXISTS log_parsed")  # working data: its shape may change
        for name in ("tables.sql", "parse.sql", "input.sql"):
            self.ch.run_file(HERE / name)
        for table in ("projection_catalog", "projection_envelope", "projection_statuses",
                      "log_parsed"):
            self.ch.command("TRUNCATE TABLE {t:Identifier}", {"t": table})
        self.ch.insert("projection_catalog", [
            {"type_version": f"{name}:{v}", "latest": int(v == spec.latest_version)}
            for name, spec in CATALOG.items() for v in spec.versions])
        fields = Envelope.model_fields
        self.ch.insert("projection_envelope", [{
            "keys": list(fields), "required": [n for n, f in fields.items() if f.is_required()],
            "roles": [r.value for r in Role]}])
        self.ch.insert("projection_statuses", [{
            "event_types": list(STATUS_AFTER), "statuses": [s.value for s in STATUS_AFTER.values()]}])
        self._prepared = True

    def _ready(self) -> None:
        if not self._prepared:
            self.prepare()

    def new_batch(self) -> int:
        return next(self._batches)

    # -- positions --------------------------------------------------------------------------
    def positions(self, topic: str) -> dict[int, int]:
        return {p: o for p, o in self.ch.query(
            "SELECT `partition`, next_offset FROM ingest_positions FINAL WHERE topic = {t:String}",
            {"t": topic})[1]}

    def save_positions(self, topic: str, positions: dict[int, int]) -> None:
        self.ch.insert("ingest_positions", [
            {"topic": topic, "partition": p, "next_offset": o} for p, o in positions.items()])

    # -- the live path -----------------------------------------------------------------------
    def project(self, records: Sequence[ConsumerRecord]) -> BatchResult:
        """Insert the events not yet in the tables and the states they change; what cannot
        be read is returned as dead letters, the rest of the batch goes in."""
        self._ready()
        records = [r for r in records if not for_another(r, self.consumer)]
        result = BatchResult()
        if not records:
            return result
        batch = self.new_batch()
        try:
            rows = bytearray()
            for r in records:
                add_log_row(rows, batch, r.partition, r.offset, r.value)
            self.stage(rows)
            self.upcast_stale(batch)
            parsed = self.parsed(batch)
            result.dead = [_why_unread(r) for r in records
                           if (r.partition, r.offset) not in parsed]
            before = self._events_of_batch(batch)
            self.fill_events(batch)
            result.inserted = self._events_of_batch(batch) - before
            self.fill_appeals(batch)
            result.duplicates = len(records) - len(result.dead) - result.inserted
        finally:
            self.drop(batch)
        return result

    def _events_of_batch(self, batch: int) -> int:
        return self.ch.query(
            "SELECT count() FROM events WHERE appeal_id IN "
            "(SELECT appeal_id FROM log_parsed WHERE batch = {b:UInt64})", {"b": batch})[1][0][0]

    # -- steps (the rebuild runs them on waves of whole partitions) --------------------------
    def stage(self, rows: bytes | bytearray, ch: ClickHouse | None = None) -> None:
        """Records written by `add_log_row`, into the staging table (parsed on the way)."""
        (ch or self.ch).insert_row_binary("log_staging", ("batch", "partition", "offset", "value"),
                                          rows)

    def upcast_stale(self, batch: int, ch: ClickHouse | None = None) -> None:
        """Stage the batch's old-version records again at their latest version (the
        catalog's upcasters); what cannot be upcast stays out."""
        ch = ch or self.ch
        rows = bytearray()
        for partition, offset, value in ch.query(
                "SELECT `partition`, `offset`, stale_value FROM log_parsed"
                " WHERE batch = {b:UInt64} AND stale", {"b": batch})[1]:
            try:
                latest = encode(decode(value.encode(), payload_model=False))
            except UndecodableEvent:
                continue
            add_log_row(rows, batch, partition, offset, latest)
        if rows:
            self.stage(rows, ch)

    def parsed(self, batch: int) -> set[tuple[int, int]]:
        """(partition, offset) of every record of the batch the projection could read."""
        return set(self.ch.query("SELECT DISTINCT `partition`, `offset` FROM log_parsed"
                                 " WHERE batch = {b:UInt64} AND NOT stale", {"b": batch})[1])

    def fill_events(self, batch: int, ch: ClickHouse | None = None, fresh: bool = False) -> None:
        """The batch's rows of `events`; `fresh`: no state precedes the batch (a rebuild)."""
        (ch or self.ch).command(self._statement("events.sql", fresh), {
            "batch": batch, **self.tree.parameters})

    def fill_appeals(self, batch: int, ch: ClickHouse | None = None, fresh: bool = False) -> None:
        """The states of the batch's appeals in `appeals` (after its rows: see above)."""
        (ch or self.ch).command(self._statement("appeals.sql", fresh), {
            "batch": batch, **self.tree.parameters, "version": time.time_ns()})

    def _statement(self, name: str, fresh: bool) -> str:
        key = (name, fresh)
        if key not in self._written:
            self._written[key] = self.tree.written(_fold(name, fresh))
        return self._written[key]

    def drop(self, batch: int, ch: ClickHouse | None = None) -> None:
        (ch or self.ch).command("ALTER TABLE log_parsed DROP PARTITION {b:UInt64}", {"b": batch})


@cache
def _fold(name: str, fresh: bool) -> str:
    """A fold's statement over the batch with the states before it, or, for a batch no state
    precedes, over its events alone (input.sql says why)."""
    text = (HERE / name).read_text(encoding="utf-8")
    return text.replace("projection_input(", "batch_events(") if fresh else text


def _why_unread(record: ConsumerRecord) -> Dead:
    """A record the projection's parsing left out, with the reason the codec gives."""
    try:
        decode(record.value or b"", payload_model=False)
    except UndecodableEvent as exc:
        return record, exc.code, exc.detail
    return record, "unreadable_payload", "запись не прошла разбор проекции (parse.sql)"


_BATCH_PARTITION_OFFSET = struct.Struct("<QHQ").pack


def _varint(n: int) -> bytes:
    """ClickHouse's length prefix of a String in RowBinary (unsigned LEB128)."""
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SHORT_LENGTHS = [_varint(n) for n in range(1 << 16)]


def add_log_row(rows: bytearray, batch: int, partition: int, offset: int,
                value: bytes | None) -> None:
    """One record as a row of `log_staging` in ClickHouse's RowBinary format, appended: the
    value's bytes as they are, behind their length (no escaping, nothing to undo)."""
    value = value or b""
    size = len(value)
    rows += _BATCH_PARTITION_OFFSET(batch, partition, offset)
    rows += _SHORT_LENGTHS[size] if size < 1 << 16 else _varint(size)
    rows += value
