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
        self._loaded: dict[UUID, Aggregate] = {}

    def expect(self, ids: set[UUID]) -> None:
        """The ids the batch will ask for, loaded together: one query per 500 ids instead
        of one per aggregate. A cache the store's only writer keeps is current and is
        asked first."""
        repository = self.app.repository
        trusted = repository.cache if repository.cache and not repository.fastforward else None
        wanted = {i for i in ids if i not in self._touched}
        if trusted is not None:
            wanted = {i for i in wanted if _uncached(trusted, i)}
        if wanted:
            self._loaded = self.app.load_many(wanted)
            self._absent = wanted - self._loaded.keys()

    def get(self, aggregate_id: UUID) -> Any | None:
        if aggregate_id in self._touched:
            return self._touched[aggregate_id]
        if aggregate_id in self._absent:
            return None
        if aggregate_id in self._loaded:
            aggregate = self._touched[aggregate_id] = self._loaded.pop(aggregate_id)
            return aggregate
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


def _uncached(cache: Any, aggregate_id: UUID) -> bool:
    try:
        cache.get(aggregate_id)
    except KeyError:
        return True
    return False
