"""The aggregates one reaction batch touches, stored together with its log positions.

A consuming service's reaction asks the unit for an appeal's aggregate (later messages of
the batch see what earlier ones changed) and adds the ones it starts; the tracked consumer
stores everything the unit touched in one transaction with the batch's positions.
Nothing here knows Kafka: the SLA, routing and intake reactions are tested with it alone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking

from kit.stores import Collected, ServiceApplication


class UnitOfWork:
    """Aggregates touched while reacting to one batch; later messages see earlier changes."""

    def __init__(self, app: ServiceApplication):
        self.app = app
        self._touched: dict[UUID, Aggregate] = {}
        self._absent: set[UUID] = set()

    def expect(self, ids: set[UUID]) -> None:
        """The ids the batch will ask for: one query learns which the store lacks, so
        asking for those costs nothing."""
        if ids:
            self._absent = ids - self.app.stored_originators(ids)

    def get(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id in self._touched:
            return self._touched[aggregate_id]
        if aggregate_id in self._absent:
            return None
        try:
            aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        self._touched[aggregate_id] = aggregate
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        self._touched[aggregate.id] = aggregate

    def aggregates(self) -> list[Aggregate]:
        """What this unit touched: what its transaction will store."""
        return list(self._touched.values())

    def processing_event(self, tracking: Tracking) -> ProcessingEvent:
        processing = Collected(tracking)
        processing.collect_events(*self.aggregates())
        return processing
