"""Drops every table and rebuilds it from the whole log, inside ClickHouse.

A rebuild is the live ingest's projection (services/analytics/projection) run on big
batches: the log is read in waves of whole partitions, each wave one batch. An appeal's
events are all in one partition, so once a wave is staged its appeals are complete and no
state comes before them (`fresh`): ClickHouse computes their rows and states at once, on two
connections, while the next wave is read, and reading and computing share the cores
instead of taking turns.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from kit.topics import log_partitions
from services.analytics.adapters.projection import Projector, add_log_row
from services.analytics.adapters.log_reader import LogReader

log = logging.getLogger("mcu.analytics.rebuild")

Progress = Callable[[str, int, int], None]  # phase (Russian), done, total


class RebuildError(RuntimeError):
    """A rebuild that must not start (nothing has been dropped)."""


# A wave is at least this many records (a wave costs a few statements whatever its size)
WAVE_RECORDS = 20_000
UNMERGED = ("log_parsed", "events", "appeals", "appeals_by_day")  # while a rebuild fills them
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
    preparing, filling = None, None
    try:
        try:
            partitions = await log_partitions(offsets, topic)
            if not partitions:
                raise RebuildError(f"в Kafka нет топика журнала {topic}: таблицы не тронуты")
            begin = await offsets.beginning_offsets(partitions)
            end = await offsets.end_offsets(partitions)
            # the tables are emptied while Kafka sends the first records
            preparing = asyncio.ensure_future(asyncio.to_thread(_prepare, projector))
            stager = _Stager(projector, reader, topic, loaders, report, preparing,
                             total=sum(end[tp] - begin[tp] for tp in partitions))
            for wave in waves(partitions, begin, end, wave_records):
                batch = projector.new_batch()
                staged = await stager.stage(batch, {tp.partition: (begin[tp], end[tp])
                                                    for tp in wave})
                filling = asyncio.ensure_future(_fill_after(filling, staged, projector,
                                                            fillers, batch))
            await preparing  # an empty log inserts nothing that would have waited for it
        finally:
            await offsets.stop()
            await reader.close()
        finish = ("таблица событий и состояния обращений", "позиции журнала")
        report(finish[0], 0, len(finish))
        if filling is not None:
            await filling
        report(finish[1], 1, len(finish))
        await asyncio.to_thread(projector.save_positions, topic,
                                {tp.partition: end[tp] for tp in partitions})
    finally:
        if filling is not None:  # a failed rebuild still lets the wave being computed end
            await asyncio.gather(filling, return_exceptions=True)
        prepared = preparing is not None and \
            (await asyncio.gather(preparing, return_exceptions=True)) == [None]
        if prepared:
            for table in UNMERGED:
                ch.command("SYSTEM START MERGES {t:Identifier}", {"t": table})
        for connection in loaders[1:] + fillers:
            connection.close()
    report("готово", len(finish), len(finish))
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


def _prepare(projector: Projector) -> None:
    """Empty tables, the projection's working ones, and no merging while the rebuild fills
    them."""
    ch = projector.ch
    ch.drop_all()
    ch.migrate()
    projector.prepare()
    for table in UNMERGED:  # merging them now would take the
        ch.command("SYSTEM STOP MERGES {t:Identifier}", {"t": table})  # rebuild's cores


async def _fill_after(previous: asyncio.Future | None, staged: asyncio.Future,
                      projector: Projector, fillers: list, batch: int) -> None:
    """The tables of a wave's appeals once its records are all staged and the wave before
    is computed (one wave at a time): records of an old schema version upcast first, then
    the events and the appeal states at once, then the wave's staged rows dropped."""
    if previous is not None:
        await previous
    await staged
    await asyncio.to_thread(projector.upcast_stale, batch, fillers[0])
    await asyncio.gather(
        asyncio.to_thread(projector.fill_events, batch, fillers[0], True),
        asyncio.to_thread(projector.fill_appeals, batch, fillers[1], True))
    await asyncio.to_thread(projector.drop, batch, fillers[0])


class _Stager:
    """Copies the log's records (up to its end at the start) into `log_staging`, reading
    the next records from Kafka while ClickHouse inserts the previous ones, one insert
    per connection."""

    def __init__(self, projector: Projector, reader: LogReader, topic: str, connections: list,
                 report: Progress, prepared: asyncio.Future, total: int):
        self.projector = projector
        self.reader, self.topic, self.connections, self.report = reader, topic, connections, report
        self.prepared = prepared  # the staging tables exist
        self.total, self.done = total, 0
        self.inserting: list[asyncio.Future | None] = [None] * len(connections)
        self.turn = 0
        report("чтение журнала", 0, total)

    async def stage(self, batch: int, ranges: dict[int, tuple[int, int]]) -> asyncio.Future:
        """Read these partition ranges whole; returns once they are read, with what
        completes when they are inserted (the next ones are read meanwhile)."""
        async for fetched in self.reader.read(self.topic, ranges):
            rows, count = bytearray(), 0
            for partition, records in fetched:
                for r in records:
                    add_log_row(rows, batch, partition, r.offset, r.value)
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
            asyncio.to_thread(self.projector.stage, rows, self.connections[slot]))
        # records Kafka has already fetched come without a pause: let a wave waiting for
        # its last insert start computing now, not when this reading next waits
        await asyncio.sleep(0)
