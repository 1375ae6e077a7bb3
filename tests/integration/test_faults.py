"""Faults the background work must outlive, on the real broker: an event too large for
the log is set aside in the DLQ and the events after it are published; a relay started
while the broker is away publishes once it answers, without a restart."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid

import pytest

from contracts import Actor
from contracts.events.registration import AppealRegistered
from kit.supervision import Health
from services.intake.domain.appeal import IntakeAppeal
from tests.support.envelopes import EXAMPLES
from tests.support.logtools import drain_relay, intake_app, read_all, register, relay

pytestmark = pytest.mark.kafka


async def test_an_event_too_large_for_the_log_is_quarantined_and_the_rest_published(topics):
    settings = topics
    intake = intake_app(settings)
    before = register(intake, 2, prefix="B")
    huge = IntakeAppeal.open(uuid.uuid4(), AppealRegistered.model_validate(
        EXAMPLES[("AppealRegistered", 1)] | {"text": "я" * 700_000}),  # 1.4 MB of UTF-8
        Actor.system("intake/test"))
    intake.save(huge)
    after = register(intake, 2, prefix="A")
    r = relay(intake, settings)
    await r.start()
    await drain_relay(r)
    await r.close()
    published = {json.loads(rec.value)["appeal_id"] for rec in
                 await read_all(settings.kafka_bootstrap, settings.log_topic)}
    assert published == {str(a) for a in before + after}  # nothing after it was held up
    [letter] = [json.loads(rec.value) for rec in
                await read_all(settings.kafka_bootstrap, settings.dlq_topic)]
    assert (letter["error_code"], letter["key"]) == ("event_too_large", str(huge.id))
    assert letter["source_topic"] == "intake.outbox"
    assert len(base64.b64decode(letter["value_base64"])) == 256 * 1024


async def test_a_relay_started_while_the_broker_is_away_publishes_once_it_answers(topics):
    from kit.outbox import OutboxRelay

    settings = topics
    intake = intake_app(settings)
    appeals = register(intake, 3)
    health = Health("intake")
    away = OutboxRelay(intake, "intake", settings.log_topic, "127.0.0.1:1", health=health)
    stopping = asyncio.Event()
    from kit.supervision import Backoff, retrying

    attempt = asyncio.create_task(retrying("relay", health, away.start, stopping,
                                           Backoff(0.05, 0.2)))
    await asyncio.sleep(1.5)
    assert "relay" in health.report() and health.report()["relay"]["attempts"] >= 2
    away.bootstrap = settings.kafka_bootstrap  # the broker answers now
    await asyncio.wait_for(attempt, 30)
    assert health.report() == {}
    await drain_relay(away)
    await away.close()
    published = {json.loads(rec.value)["appeal_id"] for rec in
                 await read_all(settings.kafka_bootstrap, settings.log_topic)}
    assert published == {str(a) for a in appeals}
