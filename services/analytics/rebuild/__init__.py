"""Drops every table and rebuilds it from the whole log, inside ClickHouse.

The live ingest folds events one by one in Python; a rebuild replays millions, so Python
only moves the log's bytes into a staging table and ClickHouse computes the rows and the
states with window functions and aggregates (`parse.sql`, `events.sql`, `appeals.sql`, the
set-based mirror of `domain/rows.py`; an integration test keeps the two equal). Records of
an old schema version go through the catalog's upcasters in Python, so upcasting has one
definition.
"""

from __future__ import annotations

import asyncio
import logging
import re
import struct
import time
from collections.abc import Callable
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from contracts import CATALOG, Envelope, UndecodableEvent, decode, encode
from contracts.vocabulary import Role
from kit.topics import log_partitions
from services.analytics.domain.rows import STATUS_BY_EVENT
from services.analytics.ingest import Projector

log = logging.getLogger("mcu.analytics.rebuild")
HERE = Path(__file__).parent

Progress = Callable[[str, int, int], None]  # phase (Russian), done, total


class RebuildError(RuntimeError):
    """A rebuild that must not start (nothing has been dropped)."""


async def rebuild(projector: Projector, bootstrap: str, topic: str,
                  progress: Progress | None = None, batch: int = 50_000) -> int:
    """Replay the log from its beginning up to its end at the start; returns records read."""
    report = progress or (lambda phase, done, total: None)
    ch = projector.ch
    started = time.perf_counter()
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                              max_partition_fetch_bytes=16 << 20, fetch_max_bytes=64 << 20)
    try:
        await reader.start()
    except KafkaError as exc:
        await reader.stop()
        raise RebuildError(f"журнал Kafka {bootstrap} недоступен ({exc}): таблицы не тронуты") \
            from None
    other = ch.another_connection()  # a second statement at a time: the machine's 2nd core
    try:
        try:
            partitions = await log_partitions(reader, topic)
            if not partitions:
                raise RebuildError(f"в Kafka нет топика журнала {topic}: таблицы не тронуты")
            await asyncio.to_thread(_prepare, ch)
            read, ends = await _stage_log([ch, other], reader, partitions, report, batch)
        finally:
            await reader.stop()
        zone = projector.zone.key
        steps = [("обновление старых версий событий", lambda: _upcast_stale(ch)),
                 ("таблица событий, сводки и состояния обращений",
                  lambda: _fill_events(ch, zone), lambda: _fill_appeals(other, zone)),
                 ("позиции журнала", lambda: projector.save_positions(topic, ends)),
                 ("очистка", lambda: _drop_staging(ch))]
        for done, (phase, *together) in enumerate(steps):
            report(phase, done, len(steps))
            # statements of one phase run at once, each on its own connection
            await asyncio.gather(*(asyncio.to_thread(step) for step in together))
    finally:
        other.close()
    report("готово", len(steps), len(steps))
    projector.states.clear()  # stale now; an ingestor loads the rebuilt ones when it starts
    log.info("rebuilt from the log", extra={"count": read,
                                           "seconds": round(time.perf_counter() - started, 3)})
    return read


def _prepare(ch) -> None:
    ch.drop_all()
    ch.migrate()
    ch.run_file(HERE / "staging.sql")
    ch.insert("rebuild_catalog", [{"type_version": f"{name}:{v}", "latest": int(v == spec.latest_version)}
                                  for name, spec in CATALOG.items() for v in spec.versions])
    fields = Envelope.model_fields
    ch.insert("rebuild_envelope", [{
        "keys": list(fields), "required": [n for n, f in fields.items() if f.is_required()],
        "roles": [r.value for r in Role]}])
    ch.run_file(HERE / "parse.sql")
    ch.command("SYSTEM STOP MERGES rebuild_parsed")  # read once, merging it is wasted work


def _fill_appeals(ch, zone: str) -> None:
    """The appeal states; they only read the staged log, so they fill while `events` does
    (each statement alone keeps about one core busy)."""
    ch.run_file(HERE / "appeals.sql", {
        "zone": zone, "version": time.time_ns(), "status_events": list(STATUS_BY_EVENT),
        "statuses": list(STATUS_BY_EVENT.values())})


def _fill_events(ch, zone: str) -> None:
    """Insert the events, then fill the tables of the views fed by `events` in one pass
    each (faster than a view working block by block), then put the views back."""
    views = ch.rows("SELECT name, as_select, create_table_query FROM system.tables"
                    " WHERE database = currentDatabase() AND engine = 'MaterializedView'"
                    " AND has((SELECT dependencies_table FROM system.tables WHERE database ="
                    " currentDatabase() AND name = 'events'), name)")
    for view in views:
        ch.command("DROP VIEW {v:Identifier}", {"v": view["name"]})
    ch.run_file(HERE / "events.sql", {"zone": zone})
    for view in views:
        target = re.search(r"\bTO\s+(\S+)", view["create_table_query"]).group(1)
        ch.command(f"INSERT INTO {target} {view['as_select']}")
        ch.command(view["create_table_query"])


def _drop_staging(ch) -> None:
    for (name,) in ch.query("SELECT name FROM system.tables WHERE database = currentDatabase()"
                            " AND name LIKE 'rebuild\\_%' ORDER BY engine != 'MaterializedView'")[1]:
        ch.command("DROP TABLE IF EXISTS {t:Identifier}", {"t": name})


async def _stage_log(connections: list, reader: AIOKafkaConsumer,
                     partitions: list[TopicPartition], report: Progress,
                     batch: int) -> tuple[int, dict[int, int]]:
    """Copy the log's records (up to its end now) into `rebuild_log`, reading the next
    batch from Kafka while ClickHouse inserts the previous ones, one per connection."""
    reader.assign(partitions)
    await reader.seek_to_beginning(*partitions)
    begin = await reader.beginning_offsets(partitions)
    end = await reader.end_offsets(partitions)
    total = sum(end[tp] - begin[tp] for tp in partitions)
    done, inserting = 0, [None] * len(connections)
    report("чтение журнала", 0, total)
    remaining = {tp for tp in partitions if end[tp] > begin[tp]}
    turn = 0
    while remaining:
        fetched = await reader.getmany(*remaining, timeout_ms=500, max_records=batch)
        rows, count = bytearray(), 0
        for tp, records in fetched.items():
            for r in records:
                if r.offset < end[tp]:
                    rows += log_row(r.partition, r.offset, r.value)
                    count += 1
            if records and records[-1].offset + 1 >= end[tp]:
                remaining.discard(tp)
        slot, turn = turn % len(connections), turn + 1
        if inserting[slot] is not None:
            await inserting[slot]
        if count:
            inserting[slot] = asyncio.ensure_future(
                asyncio.to_thread(_insert_log_rows, connections[slot], rows))
            done += count
            report("чтение журнала", done, total)
    await asyncio.gather(*(i for i in inserting if i is not None))
    return done, {tp.partition: end[tp] for tp in partitions}


_PARTITION_OFFSET = struct.Struct("<HQ").pack


def _varint(n: int) -> bytes:
    """ClickHouse's length prefix of a String in RowBinary (unsigned LEB128)."""
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SHORT_LENGTHS = [_varint(n) for n in range(1 << 16)]


def log_row(partition: int, offset: int, value: bytes | None) -> bytes:
    """One record as a row of `rebuild_log` in ClickHouse's RowBinary format: the value's
    bytes as they are, behind their length (no escaping, nothing for ClickHouse to undo)."""
    value = value or b""
    size = len(value)
    length = _SHORT_LENGTHS[size] if size < 1 << 16 else _varint(size)
    return _PARTITION_OFFSET(partition, offset) + length + value


def _insert_log_rows(ch, rows: bytes | bytearray) -> None:
    ch.insert_row_binary("rebuild_log", ("partition", "offset", "value"), rows)


def _upcast_stale(ch) -> None:
    """Stage old-version records again at their latest version (the catalog's upcasters);
    what cannot be upcast stays out, as the live ingest dead-letters it."""
    rows = bytearray()
    for partition, offset, value in ch.query("SELECT `partition`, `offset`, stale_value"
                                             " FROM rebuild_parsed WHERE stale")[1]:
        try:
            latest = encode(decode(value.encode(), payload_model=False))
        except UndecodableEvent:
            continue
        rows += log_row(partition, offset, latest)
    if rows:
        _insert_log_rows(ch, rows)
