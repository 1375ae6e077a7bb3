"""Intake test data: a ПОС message with a real-looking author, and an HTTP face on an app."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import httpx
from fastapi.testclient import TestClient

from contracts import decode, encode
from kit.unit_of_work import UnitOfWork
from kit.outbox import envelope_of
from kit.runtime import http_app
from kit.scope import RoutingScope
from kit.settings import Settings
from services.intake.application import IntakeApplication
from services.intake.bootstrap import service
from services.intake.classification import rubricator
from services.intake.classification.registration import RegistrationClassifier
from services.intake.entrypoints.channel_keys import ChannelKeys
from services.routing.application import RoutingApplication
from tests.support.routing import http_api

NOW = datetime(2026, 11, 16, 7, 42, tzinfo=UTC)
AUTHOR = {"esia_id": "1000123456", "last_name": "Иванова", "first_name": "Мария",
          "email": "m.ivanova@example.ru", "phone": "+7 903 123-45-67"}


@cache
def shipped_classifier() -> RegistrationClassifier:
    """Registration's classification on the shipped rubricator, as the demo runs it."""
    return RegistrationClassifier(rubricator.load(rubricator.DEFAULT_FILE))


def pos_message(n: int = 1, **overrides) -> dict:
    return {"id": f"POS-{n}", "category": "Уличное освещение", "text": "Не горит фонарь у школы",
            "address": "ул. Школьная, 7, кв. 12", "municipality": "Почтовское сельское поселение",
            "point": {"lat": 47.581234, "lon": 41.095678}, "attachments": ["https://x/1.jpg"],
            "author": AUTHOR, "created_at": NOW.isoformat()} | overrides


def http_client(app: IntakeApplication, routing: RoutingApplication | None = None) -> TestClient:
    """Intake's API; the vault's door asks `routing` (its real HTTP API, in-process) whose
    appeal it is, or, without one, a routing that is down."""
    scope = (RoutingScope("http://routing", httpx.AsyncClient(
        transport=httpx.ASGITransport(app=http_api(routing)))) if routing is not None
             else RoutingScope("http://127.0.0.1:9"))  # the discard port: nothing answers
    # the service's own HTTP face (routes, key check, body limits); its lifespan (relay,
    # consumer) does not run outside `with TestClient(...)`
    return TestClient(http_app(service(Settings(), app, ChannelKeys(), scope)))


def route_registrations(intake: IntakeApplication, routing: RoutingApplication) -> None:
    """Hand intake's AppealRegistered events to routing as its consumer would: the bytes
    the relay puts on the log, decoded."""
    for n in intake.notifications_after(0, 10_000):
        stored = envelope_of("intake", intake.domain_event(n))
        if stored is not None and stored.event_type == "AppealRegistered" \
                and stored.appeal_id not in routing.repository:
            envelope = decode(encode(stored))
            unit = UnitOfWork(routing)
            routing.react(envelope, unit)
            routing.save(*unit.aggregates())
