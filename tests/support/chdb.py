"""One embedded ClickHouse per test process (chDB opens a single path per process).

Tests get it with every table dropped and migrated again, so each starts empty.
"""

from __future__ import annotations

import tempfile
from functools import cache

from aiokafka.structs import ConsumerRecord

from contracts import Envelope, encode
from services.analytics.adapters.clickhouse import ClickHouse


@cache
def engine() -> ClickHouse:
    return ClickHouse(f"chdb://{tempfile.mkdtemp(prefix='mcu-chdb-')}")


def fresh() -> ClickHouse:
    ch = engine()
    ch.drop_all()
    ch.migrate()
    return ch


def records(envelopes: list[Envelope], topic: str = "mcu.appeals.v1") -> list[ConsumerRecord]:
    """Envelopes as the consumer would read them (partition by appeal, offsets in order)."""
    offsets: dict[int, int] = {}
    out = []
    for e in envelopes:
        partition = e.appeal_id.int % 3
        offset = offsets[partition] = offsets.get(partition, -1) + 1
        out.append(ConsumerRecord(topic, partition, offset, 0, 0, str(e.appeal_id).encode(),
                                  encode(e), None, 36, 0, ()))
    return out
