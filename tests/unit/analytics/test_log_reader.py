"""How the rebuild's reader cuts Kafka's record batches to the ranges it was asked for."""

import pytest
from aiokafka.errors import CorruptRecordException
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords

from services.analytics.adapters.log_reader import _within


def batch(first: int, count: int) -> bytes:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=0,
                                        producer_id=-1, producer_epoch=-1, base_sequence=-1,
                                        batch_size=1 << 20)
    for offset in range(first, first + count):
        builder.append(offset - first, timestamp=0, key=None, value=b"v%d" % offset, headers=[])
    data = builder.build()
    data[0:8] = first.to_bytes(8, "big")  # the base offset the broker assigns
    return bytes(data)


def values(records) -> list[bytes]:
    return [r.value for r in records]


def test_a_range_starting_inside_a_batch_skips_the_records_before_it():
    records, position = _within(MemoryRecords(batch(0, 5) + batch(5, 5)), "log", 0, 3, 100)
    assert values(records) == [b"v3", b"v4", b"v5", b"v6", b"v7", b"v8", b"v9"]
    assert [r.offset for r in records] == list(range(3, 10))
    assert position == 10


def test_records_at_and_after_the_end_are_left_out():
    records, position = _within(MemoryRecords(batch(0, 5) + batch(5, 5)), "log", 0, 0, 7)
    assert values(records) == [b"v0", b"v1", b"v2", b"v3", b"v4", b"v5", b"v6"]
    assert position >= 7


def test_a_truncated_last_batch_is_left_for_the_next_fetch():
    data = batch(0, 5) + batch(5, 5)
    records, position = _within(MemoryRecords(data[:-3]), "log", 0, 0, 100)
    assert values(records) == [b"v0", b"v1", b"v2", b"v3", b"v4"]
    assert position == 5


def test_nothing_fetched_leaves_the_position_where_it_was():
    assert _within(MemoryRecords(b""), "log", 0, 42, 100) == ([], 42)


def test_a_damaged_batch_is_refused_not_read():
    data = bytearray(batch(0, 5))
    data[-2] ^= 0xFF  # a byte of the last record's value
    with pytest.raises(CorruptRecordException, match="контрольная сумма"):
        _within(MemoryRecords(bytes(data)), "log", 2, 0, 100)
