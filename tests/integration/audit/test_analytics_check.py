"""`mcu audit verify --analytics` on real parts: the log on Kafka projected into embedded
ClickHouse (chDB) by analytics' own ingest; the events table agrees with the log, and a
row changed, a row deleted and a row inserted afterwards are each named."""

from __future__ import annotations

import uuid

import pytest

from kit.topics import read_topic
from services.analytics.adapters.event_rows import event_rows, loaded_up_to
from services.audit.domain.analytics_check import compare, envelopes_of
from tests.integration.test_analytics import (every_kind_of_story, ingest_until, ingestor,
                                              log, publish)
from tests.support import chdb

pytestmark = [pytest.mark.kafka, pytest.mark.chdb]
__all__ = ["log"]  # the fixture, shared


async def test_the_events_table_agrees_with_the_log_and_each_change_is_named(log):
    ch = chdb.fresh()
    events = every_kind_of_story()
    await publish(log, events)
    ing = ingestor(log, ch)
    await ing.start()
    await ingest_until(ing, ch, len(events))
    await ing.close()
    records = await read_topic(log.kafka_bootstrap, log.log_topic)
    loaded = loaded_up_to(ch, log.log_topic)
    clean = compare(envelopes_of(records), event_rows(ch), loaded)
    assert clean.discrepancies == () and clean.rows == clean.events == len(events)

    rows = event_rows(ch)
    changed, deleted, copied = rows[0], rows[1], rows[2]
    sync = {"mutations_sync": 2}
    ch.command("ALTER TABLE events UPDATE payload = '{\"score\": 5}' WHERE event_id = "
               "{id:UUID}", {"id": changed["event_id"]}, settings=sync)
    ch.command("ALTER TABLE events DELETE WHERE event_id = {id:UUID}",
               {"id": deleted["event_id"]}, settings=sync)
    forged = ch.rows("SELECT * FROM events WHERE event_id = {id:UUID}",
                     {"id": copied["event_id"]})[0] | {"event_id": uuid.uuid4()}
    ch.insert("events", [forged])
    found = compare(envelopes_of(records), event_rows(ch), loaded)
    named = {d.event_id: d for d in found.discrepancies}
    assert len(found.discrepancies) == 3
    assert "расходится с журналом: содержание" in named[changed["event_id"]].what
    assert named[changed["event_id"]].appeal_id == changed["appeal_id"]
    assert (named[deleted["event_id"]].partition, named[deleted["event_id"]].offset) == (
        deleted["partition"], deleted["offset"])
    assert "удалена строка" in named[deleted["event_id"]].what
    inserted = [d for d in found.discrepancies if "вставлена" in d.what]
    assert len(inserted) == 1 and inserted[0].appeal_id == copied["appeal_id"]
