"""Base for a service's per-appeal aggregate whose events go onto the log.

Each producing service keeps exactly one such aggregate per appeal, with the appeal's
id as its own. Its version is the envelope's `seq`, so (producer, appeal_id, seq)
identifies an event everywhere. Each stored event holds the contract payload as
validated when it was decided, so the relay only wraps it.

Events are typed both ways: `record` takes a contract payload (its class names the event
type, through the catalog) and `when` gets the latest version's model of each stored event,
upcast as the log's consumers get it, so a subclass matches on classes, never on strings.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from contracts import Actor, event_type_of, spec_for, typed
from contracts.envelope import Contract


def _utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    if at.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    return at.astimezone(UTC)


def _fields(payload: Contract, actor: Actor, cause: Any, municipality: str | None
            ) -> dict[str, Any]:
    event_type = event_type_of(payload)
    spec = spec_for(event_type)
    return {
        "municipality": municipality,
        "event_type": event_type,
        "schema_version": spec.latest_version,
        "payload": payload.model_dump(mode="json"),
        "actor": actor.model_dump(mode="json"),
        "causation_id": getattr(cause, "event_id", None),
        "correlation_id": getattr(cause, "correlation_id", None),
    }


_decided = threading.local()  # the model of the event being recorded right now


@contextlib.contextmanager
def _deciding(model: Contract, stored: dict) -> Iterator[None]:
    """While an event is recorded, `when` gets the model in hand instead of one validated
    again from the dict just dumped from it (registration's hot path)."""
    _decided.pair = (stored, model)
    try:
        yield
    finally:
        _decided.pair = None


def _as_model(event_type: str, version: int, payload: dict) -> Contract:
    pair = getattr(_decided, "pair", None)
    if pair is not None and pair[0] is payload:
        return pair[1]
    return typed(event_type, version, payload)


class AppealAggregate(Aggregate):
    """Subclasses implement `when(event)` to evolve their state."""

    class Opened(Aggregate.Created):
        event_type: str
        schema_version: int
        payload: dict
        actor: dict
        causation_id: UUID | None
        correlation_id: UUID | None
        municipality: str | None = None  # the appeal's (absent in events stored before it)

    class Recorded(Aggregate.Event):
        event_type: str
        schema_version: int
        payload: dict
        actor: dict
        causation_id: UUID | None
        correlation_id: UUID | None
        municipality: str | None = None  # the appeal's (absent in events stored before it)
        previous_seq: int | None = None  # the previous published event's (absent before it)

        def apply(self, aggregate: AppealAggregate) -> None:
            aggregate.event_time = self.timestamp  # the library sets modified_on after apply
            aggregate.published_seq = self.originator_version
            if aggregate.municipality is None:
                aggregate.municipality = self.municipality
            aggregate.when(_as_model(self.event_type, self.schema_version, self.payload))

    class Started(Aggregate.Created):
        """Opened by an internal fact rather than a published event."""

        facts: dict
        municipality: str | None = None

    class Noted(Aggregate.Event):
        """A fact the service keeps for itself (e.g. who the executor is); not published."""

        facts: dict

        def apply(self, aggregate: AppealAggregate) -> None:
            aggregate.event_time = self.timestamp
            aggregate.note(self.facts)

    def __init__(self, event_type: str | None = None, schema_version: int | None = None,
                 payload: dict | None = None, actor: dict | None = None,
                 causation_id: UUID | None = None, correlation_id: UUID | None = None,
                 facts: dict | None = None, municipality: str | None = None):
        self.municipality = municipality
        self.published_seq = 1 if event_type is not None else 0  # Opened is published
        self.initialize()
        if facts is not None:
            self.note(facts)
        if event_type is not None:
            self.when(_as_model(event_type, schema_version or 1, payload or {}))

    municipality = None  # the appeal's municipality in the deployment (None: before tenancy)
    published_seq = 0  # the version of its latest published event (0: none yet)
    event_time = None  # time of the event being applied, inside when() (unannotated: the
    # library would make an annotated class attribute a constructor field)

    def initialize(self) -> None:
        """Set the empty state before the first event applies."""

    def when(self, event: Contract) -> None:
        """Evolve state by one contract event (the latest version of its model)."""

    def note(self, facts: dict) -> None:
        """Evolve state by internal facts (JSON-able dict)."""

    @classmethod
    def open(cls, appeal_id: UUID, payload: Contract, actor: Actor, cause: Any = None,
             at: datetime | None = None, municipality: str | None = None) -> AppealAggregate:
        """Start the appeal's history in this service with its first published event; the
        appeal's municipality is given, else the causing envelope's."""
        fields = _fields(payload, actor, cause, municipality or getattr(cause, "municipality",
                                                                        None))
        with _deciding(payload, fields["payload"]):
            return cls._create(cls.Opened, id=appeal_id, timestamp=_utc(at), **fields)

    @classmethod
    def start(cls, appeal_id: UUID, facts: dict, at: datetime | None = None,
              municipality: str | None = None) -> AppealAggregate:
        """Start the appeal's history in this service with internal facts only."""
        return cls._create(cls.Started, id=appeal_id, facts=facts, timestamp=_utc(at),
                           municipality=municipality)

    def remember(self, facts: dict, at: datetime | None = None) -> None:
        """Keep internal facts; they stay in this service's store."""
        self.trigger_event(self.Noted, facts=facts, timestamp=_utc(at))

    def record(self, payload: Contract, actor: Actor, cause: Any = None,
               at: datetime | None = None) -> None:
        """Append one published event at `at` (the service's clock; default: now).

        `cause` (an Envelope) links causation and correlation.
        """
        fields = _fields(payload, actor, cause, self.municipality
                         or getattr(cause, "municipality", None))
        with _deciding(payload, fields["payload"]):
            self.trigger_event(self.Recorded, timestamp=_utc(at),
                               previous_seq=self.published_seq, **fields)
