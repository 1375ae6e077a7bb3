"""Reads chosen records of the log by their place (no consumer group, nothing committed):
what an appeal's replay needs, without reading the whole log. The service keeps one reader
open (replay through its door is a few fetches, not a new connection); the command line
opens one for a single replay."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

NEAR = 64  # records: a wanted offset this close after the last read is read on to, not sought


class PlacesReader:
    def __init__(self, bootstrap: str, topic: str):
        self.bootstrap, self.topic = bootstrap, topic
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap,
                                          enable_auto_commit=False, fetch_max_wait_ms=10,
                                          max_partition_fetch_bytes=64 * 1024,
                                          retry_backoff_ms=5, consumer_timeout_ms=20)
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def read(self, places: list[tuple[int, int]]) -> dict[tuple[int, int], ConsumerRecord]:
        """The records at these (partition, offset) places as the log holds them now; a
        place the log no longer has is absent from the answer."""
        if self._consumer is None:
            await self.start()
        async with self._lock:
            try:
                return await self._read(sorted(set(places)))
            finally:  # nothing fetched between reads: no fetch in flight to wait out
                self._consumer.pause(*self._consumer.assignment())

    async def _read(self, wanted: list[tuple[int, int]]) -> dict[tuple[int, int], ConsumerRecord]:
        reader = self._consumer
        tps = [TopicPartition(self.topic, p) for p in sorted({p for p, _ in wanted})]
        if not set(tps) <= reader.assignment():
            reader.assign(sorted(reader.assignment() | set(tps)))
        reader.pause(*reader.assignment())
        reader.resume(*tps)
        end = await reader.end_offsets(tps)
        found: dict[tuple[int, int], ConsumerRecord] = {}
        for tp in tps:
            offsets = [o for p, o in wanted if p == tp.partition and o < end[tp]]
            want, position = set(offsets), None  # position: the offset a fetch gives next
            for offset in offsets:
                if (tp.partition, offset) in found:
                    continue
                if position is None or not position <= offset < position + NEAR:
                    reader.seek(tp, offset)
                    position = offset
                while position <= offset:
                    batch = (await reader.getmany(tp, timeout_ms=2000)).get(tp, [])
                    if not batch:
                        break  # gone (compacted, deleted): absent from the answer
                    for record in batch:
                        if record.offset in want:
                            found[(tp.partition, record.offset)] = record
                    position = batch[-1].offset + 1
        return found


async def read_at(bootstrap: str, topic: str, places: list[tuple[int, int]]
                  ) -> dict[tuple[int, int], ConsumerRecord]:
    """One replay's records with a reader of its own (the command line)."""
    reader = PlacesReader(bootstrap, topic)
    await reader.start()
    try:
        return await reader.read(places)
    finally:
        await reader.stop()
