"""Drops every table and rebuilds it from the whole log, inside ClickHouse.

The live ingest folds events one by one in Python; a rebuild replays millions, so Python
only moves the log's bytes into a staging table and ClickHouse computes the rows and the
states with window functions and aggregates (`parse.sql`, `events.sql`, `appeals.sql`, the
set-based mirror of `domain/rows.py`; an integration test keeps the two equal). Records of
an old schema version go through the catalog's upcasters in Python, so upcasting has one
definition.

The log is read in waves of whole partitions. An appeal's events are all in one
partition, so once a wave is staged its appeals are complete: ClickHouse computes their
tables while the next wave is read, and reading and computing share the cores instead of
taking turns.
"""

from __future__ import annotations

import asyncio
import logging
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
from services.analytics.rebuild.log_reader import LogReader

log = logging.getLogger("mcu.analytics.rebuild")
HERE = Path(__file__).parent

Progress = Callable[[str, int, int], None]  # phase (Russian), done, total


class RebuildError(RuntimeError):
    """A rebuild that must not start (nothing has been dropped)."""


# A wave is at least this many records (a wave costs a few statements whatever its size)
WAVE_RECORDS = 20_000
WAVES = 8  # and at most about this many waves: the last one's tables are the only ones
#            computed while nothing is read


async def rebuild(projector: Projector, bootstrap: str, topic: str,
                  progress: Progress | None = None, wave_records: int = WAVE_RECORDS) -> int:
    """Replay the log from its beginning up to its end at the start; returns records read."""
    report = progress or (lambda phase, done, total: None)
    ch = projector.ch
    started = time.perf_counter()
    offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    reader = LogReader(bootstrap)
    try:
        await offsets.start()
        await reader.start()
    except KafkaError as exc:
        await offsets.stop()
        await reader.close()
        raise RebuildError(f"журнал Kafka {bootstrap} недоступен ({exc}): таблицы не тронуты") \
            from None
    # one statement at a time per connection: two insert the log, two compute a wave
    loaders = [ch, ch.another_connection()]
    fillers = [ch.another_connection(), ch.another_connection()]
    zone = projector.zone.key
    preparing, filling = None, None
    try:
        try:
            partitions = await log_partitions(offsets, topic)
            if not partitions:
                raise RebuildError(f"в Kafka нет топика журнала {topic}: таблицы не тронуты")
            begin = await offsets.beginning_offsets(partitions)
            end = await offsets.end_offsets(partitions)
            # the tables are emptied while Kafka sends the first records
            preparing = asyncio.ensure_future(asyncio.to_thread(_prepare, ch))
            stager = _Stager(reader, topic, loaders, report, preparing,
                             total=sum(end[tp] - begin[tp] for tp in partitions))
            for wave in waves(partitions, begin, end, wave_records):
                staged = await stager.stage({tp.partition: (begin[tp], end[tp]) for tp in wave})
                filling = asyncio.ensure_future(_fill_after(filling, staged, fillers,
                                                            [tp.partition for tp in wave], zone))
            await preparing  # an empty log inserts nothing that would have waited for it
        finally:
            await offsets.stop()
            await reader.close()
        finish = ("таблица событий и состояния обращений", "позиции журнала", "очистка")
        report(finish[0], 0, len(finish))
        if filling is not None:
            await filling
        report(finish[1], 1, len(finish))
        await asyncio.to_thread(projector.save_positions, topic,
                                {tp.partition: end[tp] for tp in partitions})
        report(finish[2], 2, len(finish))
        await asyncio.to_thread(_drop_staging, ch)
    finally:
        if filling is not None:  # a failed rebuild still lets the wave being computed end
            await asyncio.gather(filling, return_exceptions=True)
        prepared = preparing is not None and \
            (await asyncio.gather(preparing, return_exceptions=True)) == [None]
        if prepared:
            for table in ("events", "appeals"):
                ch.command("SYSTEM START MERGES {t:Identifier}", {"t": table})
        for connection in loaders[1:] + fillers:
            connection.close()
    report("готово", len(finish), len(finish))
    projector.states.clear()  # stale now; an ingestor loads the rebuilt ones when it starts
    log.info("rebuilt from the log", extra={"count": stager.done,
                                           "seconds": round(time.perf_counter() - started, 3)})
    return stager.done


def waves(partitions: list[TopicPartition], begin: dict, end: dict,
          wave_records: int = WAVE_RECORDS) -> list[list[TopicPartition]]:
    """Consecutive groups of the partitions that hold records, each of at least
    `wave_records` records and about a `WAVES`-th of the log."""
    size = {tp: end[tp] - begin[tp] for tp in partitions}
    target = max(wave_records, sum(size.values()) // WAVES)
    groups: list[list[TopicPartition]] = [[]]
    held = 0
    for tp in partitions:
        if not size[tp]:
            continue
        if held >= target:
            groups.append([])
            held = 0
        groups[-1].append(tp)
        held += size[tp]
    return [g for g in groups if g]


def _prepare(ch) -> None:
    """Empty tables, the staging ones, and no merging while the rebuild fills them."""
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
    for table in ("rebuild_parsed", "events", "appeals"):  # merging them now would take the
        ch.command("SYSTEM STOP MERGES {t:Identifier}", {"t": table})  # rebuild's cores


async def _fill_after(previous: asyncio.Future | None, staged: asyncio.Future, fillers: list,
                     partitions: list[int], zone: str) -> None:
    """The tables of the appeals of `partitions` once their records are all staged and the
    wave before is computed (one wave at a time): records of an old schema version upcast
    first, then the events and the appeal states at once."""
    if previous is not None:
        await previous
    await staged
    await asyncio.to_thread(_upcast_stale, fillers[0], partitions)
    await asyncio.gather(asyncio.to_thread(_fill_events, fillers[0], partitions, zone),
                         asyncio.to_thread(_fill_appeals, fillers[1], partitions, zone))


def _fill_appeals(ch, partitions: list[int], zone: str) -> None:
    ch.run_file(HERE / "appeals.sql", {
        "partitions": partitions, "zone": zone, "version": time.time_ns(),
        "status_events": list(STATUS_BY_EVENT), "statuses": list(STATUS_BY_EVENT.values())})


def _fill_events(ch, partitions: list[int], zone: str) -> None:
    ch.run_file(HERE / "events.sql", {"partitions": partitions, "zone": zone})


def _drop_staging(ch) -> None:
    for (name,) in ch.query("SELECT name FROM system.tables WHERE database = currentDatabase()"
                            " AND name LIKE 'rebuild\\_%' ORDER BY engine != 'MaterializedView'")[1]:
        ch.command("DROP TABLE IF EXISTS {t:Identifier}", {"t": name})


class _Stager:
    """Copies the log's records (up to its end at the start) into `rebuild_log`, reading
    the next records from Kafka while ClickHouse inserts the previous ones, one insert
    per connection."""

    def __init__(self, reader: LogReader, topic: str, connections: list, report: Progress,
                 prepared: asyncio.Future, total: int):
        self.reader, self.topic, self.connections, self.report = reader, topic, connections, report
        self.prepared = prepared  # the staging tables exist
        self.total, self.done = total, 0
        self.inserting: list[asyncio.Future | None] = [None] * len(connections)
        self.turn = 0
        report("чтение журнала", 0, total)

    async def stage(self, ranges: dict[int, tuple[int, int]]) -> asyncio.Future:
        """Read these partition ranges whole; returns once they are read, with what
        completes when they are inserted (the next ones are read meanwhile)."""
        async for fetched in self.reader.read(self.topic, ranges):
            rows, count = bytearray(), 0
            for partition, records in fetched:
                for r in records:
                    add_log_row(rows, partition, r.offset, r.value)
                count += len(records)
            if count:
                await self._insert(rows)
                self.done += count
                self.report("чтение журнала", self.done, self.total)
        return asyncio.gather(*(i for i in self.inserting if i is not None))

    async def _insert(self, rows: bytearray) -> None:
        await self.prepared
        slot = self.turn % len(self.connections)
        self.turn += 1
        if self.inserting[slot] is not None:
            await self.inserting[slot]
        self.inserting[slot] = asyncio.ensure_future(
            asyncio.to_thread(_insert_log_rows, self.connections[slot], rows))
        # records Kafka has already fetched come without a pause: let a wave waiting for
        # its last insert start computing now, not when this reading next waits
        await asyncio.sleep(0)


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


def add_log_row(rows: bytearray, partition: int, offset: int, value: bytes | None) -> None:
    """One record as a row of `rebuild_log` in ClickHouse's RowBinary format, appended: the
    value's bytes as they are, behind their length (no escaping, nothing for ClickHouse to
    undo)."""
    value = value or b""
    size = len(value)
    rows += _PARTITION_OFFSET(partition, offset)
    rows += _SHORT_LENGTHS[size] if size < 1 << 16 else _varint(size)
    rows += value


def _insert_log_rows(ch, rows: bytes | bytearray) -> None:
    ch.insert_row_binary("rebuild_log", ("partition", "offset", "value"), rows)


def _upcast_stale(ch, partitions: list[int]) -> None:
    """Stage old-version records again at their latest version (the catalog's upcasters);
    what cannot be upcast stays out, as the live ingest dead-letters it."""
    rows = bytearray()
    for partition, offset, value in ch.query(
            "SELECT `partition`, `offset`, stale_value FROM rebuild_parsed"
            " WHERE stale AND has({p:Array(UInt16)}, `partition`)", {"p": partitions})[1]:
        try:
            latest = encode(decode(value.encode(), payload_model=False))
        except UndecodableEvent:
            continue
        add_log_row(rows, partition, offset, latest)
    if rows:
        _insert_log_rows(ch, rows)
