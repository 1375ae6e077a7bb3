"""Every consuming service's reaction runs over every catalog example, as the log delivers
it (encoded, decoded, upcast to the latest version): none fails. (Analytics' projection is
SQL: tests/integration/analytics/test_projection.py runs it over every example.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import Actor, Envelope, decode, encode, event_id_for, spec_for
from contracts.examples import EXAMPLES
from kit.clock import FixedClock
from kit.unit_of_work import UnitOfWork
from kit.privacy import redactor
from services.intake.application import IntakeApplication
from tests.support.sla import sla_app
from tests.support.envelopes import AppealStory
from tests.support.routing import routing_app
from tests.support.intake import shipped_classifier
from tests.support.routing import deployment as directory_deployment

AT = datetime(2026, 11, 16, 8, tzinfo=UTC)


def as_delivered(event_type: str, version: int, appeal) -> Envelope:
    spec = spec_for(event_type)
    stored = Envelope(event_id=event_id_for(spec.producer, appeal, 2), event_type=event_type,
                      schema_version=version, appeal_id=appeal, seq=2, occurred_at=AT,
                      producer=spec.producer, actor=Actor.system("test"),
                      payload=EXAMPLES[(event_type, version)])
    return decode(encode(stored))


def _services() -> dict:
    return {
        "routing": routing_app(FixedClock(AT)),
        "sla": sla_app(FixedClock(AT)),
        "intake": IntakeApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                                    clock=FixedClock(AT), redactor=redactor(),
                                    classifier=shipped_classifier(), deployment=directory_deployment()),
    }


@pytest.mark.parametrize("example", sorted(EXAMPLES), ids=lambda k: f"{k[0]}.v{k[1]}")
def test_every_service_reacts_to_every_example_without_failing(example):
    event_type, version = example
    story = AppealStory()
    registered = story.registered(AT)
    delivered = as_delivered(event_type, version, story.appeal_id)
    for name, app in _services().items():
        for envelope in (registered, delivered):
            if envelope.producer == name:
                continue  # a service never reacts to its own events
            unit = UnitOfWork(app)
            app.react(envelope, unit)
            app.save(*unit.aggregates())
