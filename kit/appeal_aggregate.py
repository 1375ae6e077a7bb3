"""Base for a service's per-appeal aggregate whose events go onto the log.

Each producing service keeps exactly one such aggregate per appeal, with the appeal's
id as its own. Its version is the envelope's `seq`, so (producer, appeal_id, seq)
identifies an event everywhere. Each stored event holds the contract payload as
validated when it was decided, so the relay only wraps it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from contracts import Actor, spec_for
from contracts.envelope import Contract


def _fields(event_type: str, payload: Contract, actor: Actor, cause: Any) -> dict[str, Any]:
    spec = spec_for(event_type)
    if not isinstance(payload, spec.model):
        raise TypeError(f"{event_type} needs {spec.model.__name__}, got {type(payload).__name__}")
    return {
        "event_type": event_type,
        "schema_version": spec.latest_version,
        "payload": payload.model_dump(mode="json"),
        "actor": actor.model_dump(mode="json"),
        "causation_id": getattr(cause, "event_id", None),
        "correlation_id": getattr(cause, "correlation_id", None),
    }


class AppealAggregate(Aggregate):
    """Subclasses implement `when(event_type, payload)` to evolve their state."""

    class Opened(Aggregate.Created):
        event_type: str
        schema_version: int
        payload: dict
        actor: dict
        causation_id: UUID | None
        correlation_id: UUID | None

    class Recorded(Aggregate.Event):
        event_type: str
        schema_version: int
        payload: dict
        actor: dict
        causation_id: UUID | None
        correlation_id: UUID | None

        def apply(self, aggregate: AppealAggregate) -> None:
            aggregate.when(self.event_type, self.payload)

    def __init__(self, event_type: str, schema_version: int, payload: dict, actor: dict,
                 causation_id: UUID | None, correlation_id: UUID | None):
        self.initialize()
        self.when(event_type, payload)

    def initialize(self) -> None:
        """Set the empty state before the first event applies."""

    def when(self, event_type: str, payload: dict) -> None:
        """Evolve state by one contract event (payload as stored JSON)."""

    @classmethod
    def open(cls, appeal_id: UUID, event_type: str, payload: Contract, actor: Actor,
             cause: Any = None) -> AppealAggregate:
        """Start the appeal's history in this service with its first published event."""
        return cls._create(cls.Opened, id=appeal_id, **_fields(event_type, payload, actor, cause))

    def record(self, event_type: str, payload: Contract, actor: Actor, cause: Any = None) -> None:
        """Append one published event; `cause` (an Envelope) links causation and correlation."""
        self.trigger_event(self.Recorded, **_fields(event_type, payload, actor, cause))
