"""Reads ranges of the log's partitions with plain Kafka Fetch requests.

A rebuild needs only each record's partition, offset and value. `AIOKafkaConsumer`
builds a `ConsumerRecord` for every record (topic, sizes, checksum, headers tuple,
deserializers), and that object building was about a fifth of a rebuild's CPU. This
reader sends aiokafka's own Fetch requests and walks its record batches (aiokafka's C
parser, CRCs checked as the consumer checks them), nothing more. Live consumers keep
using `AIOKafkaConsumer`: they need groups, commits and rebalancing; a rebuild reads
fixed ranges once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from aiokafka import TopicPartition
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import (CorruptRecordException, KafkaError, LeaderNotAvailableError,
                             for_code)
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords

READ_UNCOMMITTED = 0  # as the consumer reads by default: every record the log holds


class LogReader:
    """Fetches `[begin, end)` of some partitions of one topic, whole batches at a time."""

    def __init__(self, bootstrap: str, partition_bytes: int = 32 << 20,
                 response_bytes: int = 64 << 20, retry_for: float = 30.0):
        self.client = AIOKafkaClient(bootstrap_servers=bootstrap,
                                     client_id="mcu-analytics-rebuild")
        self.partition_bytes, self.response_bytes = partition_bytes, response_bytes
        self.retry_for = retry_for

    async def start(self) -> None:
        await self.client.bootstrap()

    async def close(self) -> None:
        await self.client.close()

    async def read(self, topic: str, ranges: dict[int, tuple[int, int]]
                   ) -> AsyncIterator[list[tuple[int, list]]]:
        """Per Fetch round, the records of each partition within its range, in offset
        order; ends when every range is read. A broker that moved a partition's leadership
        or dropped the connection, or a round that moved no range, is asked again for up
        to `retry_for` seconds."""
        position = {p: begin for p, (begin, end) in ranges.items() if begin < end}
        end = {p: stop for p, (_, stop) in ranges.items()}
        failing_since: float | None = None
        while position:
            try:
                responses = await self._fetch(topic, position)
            except KafkaError as exc:
                if not getattr(exc, "retriable", False):
                    raise
                failing_since = await self._wait_to_retry(failing_since, exc)
                continue
            before = dict(position)
            round_: list[tuple[int, list]] = []
            for partition, data in responses:
                records, position[partition] = _within(MemoryRecords(data), topic, partition,
                                                       position[partition], end[partition])
                if records:
                    round_.append((partition, records))
                if position[partition] >= end[partition]:
                    del position[partition]
            if position == before:
                failing_since = await self._wait_to_retry(
                    failing_since, KafkaError(f"{topic}: брокер не отдаёт записи с позиций "
                                              f"{position} (до {end})"))
                continue
            failing_since = None
            yield round_

    async def _wait_to_retry(self, failing_since: float | None, error: KafkaError) -> float:
        now = time.monotonic()
        if failing_since is not None and now - failing_since > self.retry_for:
            raise error
        await asyncio.sleep(0.2)
        await self.client.force_metadata_update()
        return failing_since or now

    async def _fetch(self, topic: str, position: dict[int, int]) -> list[tuple[int, bytes]]:
        """One Fetch request per leader; (partition, record bytes) of every answer."""
        by_leader: dict[int, list[tuple[int, int, int]]] = {}
        for partition, offset in position.items():
            leader = self.client.cluster.leader_for_partition(TopicPartition(topic, partition))
            if leader is None or leader < 0:
                raise LeaderNotAvailableError(
                    f"{topic}/{partition}: ведущий брокер раздела неизвестен")
            by_leader.setdefault(leader, []).append((partition, offset, self.partition_bytes))
        responses = await asyncio.gather(*(
            self.client.send(leader, FetchRequest(0, 1, self.response_bytes, READ_UNCOMMITTED,
                                                  [(topic, partitions)]))
            for leader, partitions in by_leader.items()))
        answered = []
        for response in responses:
            for _, partitions in response.topics:
                for partition, error_code, _highwater, *data in partitions:
                    if error_code:
                        raise for_code(error_code)(f"{topic}/{partition}")
                    answered.append((partition, data[-1]))
        return answered


def _within(batches: MemoryRecords, topic: str, partition: int, position: int, end: int
            ) -> tuple[list, int]:
    """The records of whole batches from `position` up to `end`, and the position after
    them. A batch may begin before `position` (Kafka answers with whole batches); control
    batches (transaction markers) hold no records of the log."""
    records = []
    while batches.has_next():
        batch = batches.next_batch()
        if not batch.validate_crc():
            raise CorruptRecordException(f"{topic}/{partition}: неверная контрольная сумма "
                                         f"пакета записей со смещения {position}")
        control = getattr(batch, "is_control_batch", False)
        last = position - 1
        for record in batch:
            last = record.offset
            if not control and position <= last < end:
                records.append(record)
        position = max(position, getattr(batch, "next_offset", last + 1))
    return records, position
