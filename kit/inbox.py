"""Idempotency by the event's identity: what a consumer has applied, per appeal.

Kafka offsets cannot catch an event that the relay republished under a new offset
after a crash. The inbox remembers, per appeal and producer, the highest `seq` applied;
events of one producer for one appeal arrive in `seq` order (one partition, one
relay), so anything at or below it is a repeat. It is saved in the same transaction
as the reaction, one event per appeal per batch.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event


def inbox_id(consumer: str, appeal_id: UUID) -> UUID:
    return uuid5(appeal_id, f"inbox:{consumer}")


class Inbox(Aggregate):
    @event("Opened")
    def __init__(self, consumer: str, appeal_id: UUID):
        self.consumer = consumer
        self.appeal_id = appeal_id
        self.applied: dict[str, int] = {}
        self._pending: dict[str, int] = {}

    def has_applied(self, producer: str, seq: int) -> bool:
        return seq <= max(self.applied.get(producer, 0), self._pending.get(producer, 0))

    def mark(self, producer: str, seq: int) -> None:
        self._pending[producer] = seq

    def flush(self) -> None:
        """Turn this batch's marks into one stored event."""
        if self._pending:
            self._advance(dict(self._pending))
            self._pending = {}

    @event("Advanced")
    def _advance(self, high: dict[str, int]) -> None:
        self.applied.update(high)

    @classmethod
    def create_id(cls, consumer: str, appeal_id: UUID) -> UUID:
        return inbox_id(consumer, appeal_id)
