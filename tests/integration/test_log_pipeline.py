"""Relay -> real Kafka log -> tracked consumer, on SQLite and PostgreSQL stores."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from contracts import decode, event_id_for
from tests.support.logtools import (
    Crash, consume_until, consumer, crash_at, drain_relay, intake_app, publish_all, read_all,
    register, relay, tally_app,
)

pytestmark = pytest.mark.kafka


async def test_every_registered_appeal_reaches_the_consumer_once_in_order(topics):
    settings = topics
    intake, tally = intake_app(settings), tally_app(settings)
    appeal_ids = register(intake, 60)
    r = relay(intake, settings)
    await r.start()
    assert await drain_relay(r) == 60
    await r.close()

    records = await read_all(settings.kafka_bootstrap, settings.log_topic)
    envelopes = [decode(rec.value) for rec in records]
    assert sorted(e.appeal_id for e in envelopes) == sorted(appeal_ids)
    assert {rec.key.decode() for rec in records} == {str(a) for a in appeal_ids}
    assert all(e.event_id == event_id_for("intake", e.appeal_id, e.seq) for e in envelopes)
    assert len({rec.partition for rec in records}) == 3  # keyed spread over partitions

    c = consumer(tally, settings)
    await c.start()
    await consume_until(c, lambda: _all_counted(tally, appeal_ids))
    await c.close()
    assert all(len(seen) == 1 for seen in tally.counts(appeal_ids).values())


async def test_clean_relay_restart_publishes_nothing_again(topics):
    settings = topics
    intake = intake_app(settings)
    register(intake, 10)
    await publish_all(intake, settings)

    second = relay(intake, settings)
    await second.start()
    assert second.position == 10
    assert await drain_relay(second) == 0
    await second.close()
    assert len(await read_all(settings.kafka_bootstrap, settings.log_topic)) == 10


async def test_consumer_killed_between_store_and_commit_applies_nothing_twice(topics):
    settings = topics
    intake, tally = intake_app(settings), tally_app(settings)
    appeal_ids = register(intake, 40)
    await publish_all(intake, settings)

    dying = consumer(tally, settings, fault_hook=crash_at("after_store"))
    await dying.start()
    with pytest.raises(Crash):
        while True:
            await dying.consume_once()
    await dying.close()  # no offset commit happened for the stored batch
    stored_before_restart = sum(len(s) for s in _counts_so_far(tally, appeal_ids).values())
    assert stored_before_restart > 0

    restarted = consumer(tally, settings)
    await restarted.start()
    await consume_until(restarted, lambda: _all_counted(tally, appeal_ids))
    await restarted.close()
    counts = tally.counts(appeal_ids)
    assert Counter(len(seen) for seen in counts.values()) == Counter({1: 40})


async def test_relay_killed_between_produce_and_save_is_applied_once(topics):
    settings = topics
    intake, tally = intake_app(settings), tally_app(settings)
    appeal_ids = register(intake, 30)
    dying = relay(intake, settings, fault_hook=crash_at("after_handle"))
    await dying.start()
    with pytest.raises(Crash):
        await dying.relay_once()
    await dying.close()

    restarted = relay(intake, settings)
    await restarted.start()
    assert restarted.position == 0  # the position was never saved
    await drain_relay(restarted)
    await restarted.close()
    records = await read_all(settings.kafka_bootstrap, settings.log_topic)
    assert len(records) == 60  # every event is on the log twice, under new offsets

    c = consumer(tally, settings)
    await c.start()
    await consume_until(c, lambda: _all_counted(tally, appeal_ids) and _caught_up(c, records))
    await c.close()
    assert all(len(seen) == 1 for seen in tally.counts(appeal_ids).values())


async def test_poison_messages_go_to_the_dlq_and_the_partition_moves_on(topics):
    from tests.support.logtools import produce_raw
    from tests.support.tally import POISON_MARK

    settings = topics
    intake, tally = intake_app(settings), tally_app(settings)
    poisoned = register(intake, 1, prefix="P", text=f"{POISON_MARK}: реакция упадёт")
    r = relay(intake, settings)
    await r.start()
    await drain_relay(r)
    key = str(poisoned[0]).encode()  # same partition as the poisoned appeal
    unknown = json.dumps({"event_type": "AppealTeleported"}).encode()
    await produce_raw(settings.kafka_bootstrap, settings.log_topic,
                      [(key, b"\xff not json"), (key, unknown)])
    healthy = register(intake, 20, prefix="H")
    await drain_relay(r)
    await r.close()

    c = consumer(tally, settings)
    await c.start()
    await consume_until(c, lambda: _all_counted(tally, healthy))
    await c.close()

    letters = [json.loads(rec.value) for rec in
               await read_all(settings.kafka_bootstrap, settings.dlq_topic)]
    assert sorted(letter["error_code"] for letter in letters) == [
        "invalid_event", "malformed_json", "reaction_failed"]
    assert all(letter["source_topic"] == settings.log_topic for letter in letters)
    assert all(letter["consumer"] == "mcu.tally" for letter in letters)
    assert all(len(seen) == 1 for seen in tally.counts(healthy).values())


def _counts_so_far(tally, appeal_ids):
    from eventsourcing.application import AggregateNotFoundError

    from tests.support.tally import tally_id

    counts = {}
    for a in appeal_ids:
        try:
            counts[a] = tally.repository.get(tally_id(a)).seen
        except AggregateNotFoundError:
            counts[a] = []
    return counts


def _all_counted(tally, appeal_ids) -> bool:
    return all(_counts_so_far(tally, appeal_ids).values())


def _ends(records) -> dict[int, int]:
    """The next offset of each partition after `records`."""
    return {r.partition: r.offset + 1 for r in records}


def _positions(c, records) -> dict[int, int | None]:
    """The stored position of each partition that `records` come from."""
    return {p: c.app.tracked_position(f"{c.topic}#{p}") for p in _ends(records)}


def _caught_up(c, records) -> bool:
    return _positions(c, records) == _ends(records)


async def _intake_events_on_the_log(settings):
    """Five appeals of intake on the log, and the tally service that will read them."""
    intake, tally = intake_app(settings), tally_app(settings)
    appeal_ids = register(intake, 5)
    await publish_all(intake, settings)
    return tally, appeal_ids, await read_all(settings.kafka_bootstrap, settings.log_topic)


def _as_their_producer(tally, settings, position_interval: float):
    """A tally consumer that takes intake's events for its own (so they change nothing)."""
    return consumer(tally, settings, name=f"mcu.tally-{settings.log_topic}",
                    own_producer="intake", position_interval=position_interval)


async def _read_through(c, records) -> None:
    seen = 0
    while seen < len(records):
        seen += await c.consume_once()


async def test_a_service_skips_its_own_events_but_moves_past_them(topics):
    """Its own events change nothing, so their positions are not a transaction per batch:
    they wait (here: longer than the test) and are stored at a clean stop."""
    tally, appeal_ids, records = await _intake_events_on_the_log(topics)
    c = _as_their_producer(tally, topics, position_interval=3600)
    await c.start()
    await _read_through(c, records)
    assert set(_positions(c, records).values()) == {None}
    await c.close()
    assert _caught_up(c, records)
    assert not any(a in tally.repository for a in appeal_ids)


async def test_positions_that_change_nothing_are_stored_once_due(topics):
    tally, _, records = await _intake_events_on_the_log(topics)
    c = _as_their_producer(tally, topics, position_interval=0)
    await c.start()
    await consume_until(c, lambda: _caught_up(c, records))  # without a stop
    c.stop()
    await c.close()


async def test_deferred_positions_are_stored_when_partitions_move_to_another_member(topics):
    """A rebalance revokes the partitions: their waiting positions are stored first, so the
    new owner does not re-read them."""
    import asyncio
    import time

    tally, _, records = await _intake_events_on_the_log(topics)
    first, second = (_as_their_producer(tally, topics, position_interval=3600)
                     for _ in range(2))
    try:
        await first.start()
        await _read_through(first, records)
        assert set(_positions(first, records).values()) == {None}
        await second.start()
        deadline = time.monotonic() + 60
        while not _caught_up(first, records):
            assert time.monotonic() < deadline, "the rebalance did not store the positions"
            await asyncio.gather(first.consume_once(), second.consume_once())
        assert second.assigned  # the second member took partitions over
    finally:
        for c in (first, second):
            await c.close()
