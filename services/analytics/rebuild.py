"""Drops every table and rebuilds it from the whole log, reporting progress."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.analytics.ingest import Projector

Progress = Callable[[int, int], None]  # done, total


async def rebuild(projector: Projector, bootstrap: str, topic: str,
                  progress: Progress | None = None, batch: int = 20_000) -> int:
    """Replay the log from its beginning up to its end at the start; returns events read."""
    ch = projector.ch
    await asyncio.to_thread(ch.drop_all)
    await asyncio.to_thread(ch.migrate)
    projector.states = {}
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                              max_poll_records=batch, fetch_max_bytes=64 * 1024 * 1024)
    await reader.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(
            reader.partitions_for_topic(topic) or await _partitions(reader, topic))]
        reader.assign(partitions)
        await reader.seek_to_beginning(*partitions)
        begin = await reader.beginning_offsets(partitions)
        end = await reader.end_offsets(partitions)
        total = sum(end[tp] - begin[tp] for tp in partitions)
        done = 0
        if progress:
            progress(0, total)
        remaining = {tp for tp in partitions if end[tp] > begin[tp]}
        while remaining:
            fetched = await reader.getmany(*remaining, timeout_ms=500, max_records=batch)
            records = []
            for tp, recs in fetched.items():
                recs = [r for r in recs if r.offset < end[tp]]
                records += recs
                if recs and recs[-1].offset + 1 >= end[tp] or await reader.position(tp) >= end[tp]:
                    remaining.discard(tp)
            if records:
                records.sort(key=lambda r: (r.partition, r.offset))
                await asyncio.to_thread(projector.project, records)
                done += len(records)
                if progress:
                    progress(done, total)
        await asyncio.to_thread(projector.save_positions, topic,
                                {tp.partition: end[tp] for tp in partitions})
        return done
    finally:
        await reader.stop()


async def _partitions(reader: AIOKafkaConsumer, topic: str) -> set[int]:
    await reader._client.force_metadata_update()  # noqa: SLF001
    return reader.partitions_for_topic(topic) or set()
