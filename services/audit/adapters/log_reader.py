"""Reads chosen records of the log by their place (no consumer group, nothing committed):
what an appeal's replay needs, without reading the whole log."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord


async def read_at(bootstrap: str, topic: str, places: list[tuple[int, int]]
                  ) -> dict[tuple[int, int], ConsumerRecord]:
    """The records at these (partition, offset) places, as the log holds them now; a place
    the log no longer has is absent from the answer."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    found: dict[tuple[int, int], ConsumerRecord] = {}
    try:
        wanted = sorted(set(places))
        parts = sorted({p for p, _ in wanted})
        tps = [TopicPartition(topic, p) for p in parts]
        reader.assign(tps)
        end = await reader.end_offsets(tps)
        for tp in tps:
            offsets = [o for p, o in wanted if p == tp.partition and o < end[tp]]
            for offset in offsets:
                reader.seek(tp, offset)
                batch = await reader.getmany(tp, timeout_ms=2000, max_records=1)
                for record in batch.get(tp, []):
                    if record.offset == offset:
                        found[(tp.partition, offset)] = record
        return found
    finally:
        await reader.stop()
