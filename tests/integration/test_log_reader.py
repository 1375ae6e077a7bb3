"""The rebuild's reader on a real broker: exactly the asked ranges, each record once."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from kit.settings import Settings
from kit.topics import ensure_log_topics, log_partitions
from services.analytics.adapters.log_reader import LogReader
from tests.support.logtools import produce_raw

pytestmark = pytest.mark.kafka


async def read_all(reader: LogReader, topic: str, ranges: dict) -> dict[int, list]:
    got: dict[int, list] = {}
    async for fetched in reader.read(topic, ranges):
        for partition, records in fetched:
            got.setdefault(partition, []).extend((r.offset, r.value) for r in records)
    return got


async def test_the_reader_returns_exactly_the_ranges_in_order(kafka_bootstrap, log_topic):
    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=3)
    await ensure_log_topics(settings)
    await produce_raw(kafka_bootstrap, log_topic,
                      [(b"k%d" % (i % 7), b"value %d" % i) for i in range(600)])
    offsets = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap)
    await offsets.start()
    try:
        partitions = await log_partitions(offsets, log_topic)
        end = {tp.partition: n for tp, n in (await offsets.end_offsets(partitions)).items()}
        # what a consumer reads, to compare with
        offsets.assign(partitions)
        await offsets.seek_to_beginning(*partitions)
        expected: dict[int, list] = {p: [] for p in end}
        while sum(map(len, expected.values())) < sum(end.values()):
            for tp, records in (await offsets.getmany(timeout_ms=1000)).items():
                expected[tp.partition].extend((r.offset, r.value) for r in records)
    finally:
        await offsets.stop()
    full, middle, empty = sorted(end)
    assert min(end.values()) > 20

    # small fetches (Kafka still answers whole batches); a range cut inside batches
    reader = LogReader(kafka_bootstrap, partition_bytes=512, response_bytes=1024)
    await reader.start()
    try:
        got = await read_all(reader, log_topic, {full: (0, end[full]),
                                                 middle: (5, end[middle] - 7),
                                                 empty: (end[empty], end[empty])})
    finally:
        await reader.close()
    assert got[full] == expected[full]
    assert got[middle] == expected[middle][5:-7]
    assert empty not in got


async def test_a_range_the_broker_cannot_give_fails_instead_of_waiting_forever(kafka_bootstrap,
                                                                              log_topic):
    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=1)
    await ensure_log_topics(settings)
    await produce_raw(kafka_bootstrap, log_topic, [(b"k", b"one"), (b"k", b"two")])
    reader = LogReader(kafka_bootstrap, retry_for=0.5)
    await reader.start()
    try:
        # the records asked for end beyond what the partition holds: no round moves
        with pytest.raises(KafkaError, match="не отдаёт записи"):
            await asyncio.wait_for(read_all(reader, log_topic, {0: (2, 5)}), timeout=20)
        # the same reader still reads what exists
        got = await read_all(reader, log_topic, {0: (0, 2)})
    finally:
        await reader.close()
    assert got == {0: [(0, b"one"), (1, b"two")]}


async def test_a_connection_dropped_during_a_fetch_is_asked_again(kafka_bootstrap, log_topic):
    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=1)
    await ensure_log_topics(settings)
    sent = [(b"k", b"value %d" % i) for i in range(300)]
    for start in range(0, len(sent), 50):  # six record batches: six Fetch rounds at 256 bytes
        await produce_raw(kafka_bootstrap, log_topic, sent[start:start + 50])
    reader = LogReader(kafka_bootstrap, partition_bytes=256, response_bytes=256)
    await reader.start()
    send, fetches, dropped = reader.client.send, [], []

    async def send_and_drop_every_other_fetch(node_id, request, **kwargs):
        """The connection is lost while the broker answers every second Fetch."""
        answer = asyncio.ensure_future(send(node_id, request, **kwargs))
        if type(request).__name__ == "FetchRequest":
            fetches.append(node_id)
            if len(fetches) % 2 == 0:
                await asyncio.sleep(0)
                for conn in list(reader.client._conns.values()):  # noqa: SLF001 - the "network"
                    conn.close()
                dropped.append(len(fetches))
        return await answer

    reader.client.send = send_and_drop_every_other_fetch
    try:
        got = await asyncio.wait_for(read_all(reader, log_topic, {0: (0, len(sent))}),
                                     timeout=60)
    finally:
        await reader.close()
    assert len(dropped) >= 5  # each of the six batches but the first was asked for twice
    assert got == {0: [(offset, value) for offset, (_, value) in enumerate(sent)]}
