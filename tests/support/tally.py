"""A consuming application for kit tests: counts every applied event per appeal.

Each appeal's tally is an aggregate, so "applied exactly once" is checked on what the
store holds, not on in-memory counters.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from contracts import Envelope
from kit.unit_of_work import UnitOfWork
from kit.stores import ServiceApplication

POISON_MARK = "ОТРАВЛЕНО"


def tally_id(appeal_id: UUID) -> UUID:
    return uuid5(appeal_id, "tally")


class Tally(Aggregate):
    @event("Started")
    def __init__(self, appeal_id: UUID):
        self.appeal_id = appeal_id
        self.seen: list[str] = []

    @classmethod
    def create_id(cls, appeal_id: UUID) -> UUID:
        return tally_id(appeal_id)

    @event("Counted")
    def count(self, event_id: str) -> None:
        self.seen.append(event_id)


class TallyApplication(ServiceApplication):
    name = "tally"

    def react(self, envelope: Envelope, unit: UnitOfWork) -> None:
        payload = envelope.payload
        if POISON_MARK in getattr(payload, "text", ""):
            raise ValueError("реакция не смогла обработать событие")
        tally = unit.get(tally_id(envelope.appeal_id))
        if tally is None:
            tally = Tally(envelope.appeal_id)
            unit.add(tally)
        tally.count(str(envelope.event_id))

    def counts(self, appeal_ids: list[UUID]) -> dict[UUID, list[str]]:
        return {a: self.repository.get(tally_id(a)).seen for a in appeal_ids}


def tally_ids(envelope: Envelope) -> tuple[UUID, ...]:
    """The aggregate the tally's reaction asks for (its consumer loads them per batch)."""
    return (tally_id(envelope.appeal_id),)
