"""Idempotency by the event's identity: what a consumer has applied, per appeal.

Kafka offsets cannot catch an event that the relay republished under a new offset
after a crash. The inbox remembers, per appeal and producer, the highest `seq` applied;
events of one producer for one appeal arrive in `seq` order (one partition, one
relay), so anything at or below it is a repeat. It is saved in the same transaction
as the reaction: one stored event per appeal per batch.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event


def inbox_id(consumer: str, appeal_id: UUID) -> UUID:
    return uuid5(appeal_id, f"inbox:{consumer}")


class Inbox(Aggregate):
    @event("Opened")
    def __init__(self, consumer: str, appeal_id: UUID, applied: dict[str, int]):
        self.consumer = consumer
        self.appeal_id = appeal_id
        self.applied = dict(applied)

    @classmethod
    def create_id(cls, consumer: str, appeal_id: UUID, applied: dict[str, int]) -> UUID:
        return inbox_id(consumer, appeal_id)

    @event("Advanced")
    def advance(self, high: dict[str, int]) -> None:
        self.applied.update(high)


class BatchInbox:
    """One appeal's inbox during a batch: marks collect in memory, then one event."""

    def __init__(self, consumer: str, appeal_id: UUID, stored: Inbox | None):
        self.consumer = consumer
        self.appeal_id = appeal_id
        self.stored = stored
        self.pending: dict[str, int] = {}

    def has_applied(self, producer: str, seq: int) -> bool:
        known = self.stored.applied.get(producer, 0) if self.stored else 0
        return seq <= max(known, self.pending.get(producer, 0))

    def mark(self, producer: str, seq: int) -> None:
        self.pending[producer] = seq

    def flush(self) -> Inbox | None:
        """The aggregate with this batch's marks as one new event (None: nothing new)."""
        if not self.pending:
            return None
        if self.stored is None:
            return Inbox(self.consumer, self.appeal_id, self.pending)
        self.stored.advance(self.pending)
        return self.stored
