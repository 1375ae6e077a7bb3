"""Event-store factory and the application base every service builds on.

SQLite (one file per service under the data directory) by default, PostgreSQL by
configuration: the eventsourcing library's own recorders, chosen by environment,
with the same code above them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent, project_aggregate
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import (IntegrityError, Notification, ProcessRecorder,
                                      StoredEvent, Tracking)
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from psycopg.sql import SQL, Identifier

from kit.settings import Settings


# services whose SQLite store one process writes (intake's HTTP workers share theirs; a
# PostgreSQL store may be shared by a service's instances: both keep fast-forwarding)
ONE_WRITER = frozenset({"routing", "sla"})


def store_environment(service: str, settings: Settings) -> dict[str, str]:
    """The eventsourcing environment that puts `service`'s events where settings say."""
    common = {"AGGREGATE_CACHE_MAXSIZE": "20000", "CREATE_TABLE": "y"}
    if settings.store == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if service in ONE_WRITER:
            # the process is the store's only writer, and every save goes through its
            # cache: a cached aggregate is current, no query to fast-forward it
            common["AGGREGATE_CACHE_FASTFORWARD"] = "n"
        return common | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            # SQLite names its tables the same for every app: one file per service.
            "SQLITE_DBNAME": str(settings.data_dir / f"{service}.sqlite"),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    return common | {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": settings.postgres_db,
        "POSTGRES_HOST": settings.postgres_host,
        "POSTGRES_PORT": str(settings.postgres_port),
        "POSTGRES_USER": settings.postgres_user,
        "POSTGRES_PASSWORD": settings.postgres_password,
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_CONNECT_TIMEOUT": "10",
    }


class Collected(ProcessingEvent):
    """A processing event that collects pending events by class, not by the library's
    runtime-checkable Protocols: on Python 3.11 each such isinstance walks the protocol's
    members, a fifth of a registration batch's time."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                self.events.extend(obj.collect_events())
                self.aggregates[obj.id] = obj
            elif obj is not None:
                self.events.append(obj)  # a domain event itself
        self.saved_kwargs.update(kwargs)


T = TypeVar("T")
COMMAND_CONFLICT_RETRIES = 5


class ConcurrentChange(Exception):
    """A command lost the race for its aggregate every time it was retried."""


class ServiceApplication(Application):
    """An eventsourcing application whose recorder also records tracking positions.

    A plain Application ignores tracking; this one always has a process recorder, so a
    reaction's new events and the log positions it consumed commit in one transaction.
    """

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    def record(self, processing_event: ProcessingEvent) -> None:
        """Store collected events atomically with the processing event's tracking record."""
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.committed(processing_event.aggregates.values())

    def save(self, *objs: Any, **kwargs: Any) -> None:
        """Store the aggregates' pending events in one transaction."""
        processing_event = Collected()
        processing_event.collect_events(*objs, **kwargs)
        self.record(processing_event)

    def on_current(self, aggregate_id: UUID, command: Callable[[], T]) -> T:
        """Run a staff command (read, decide, save) again on the aggregate as it now is when
        another writer saved it meanwhile (the consumer, another instance): the loser of the
        race is re-decided, never answered with a server error."""
        for _ in range(COMMAND_CONFLICT_RETRIES):
            try:
                return command()
            except IntegrityError:
                self._forget(aggregate_id)
        raise ConcurrentChange(aggregate_id)

    def _forget(self, aggregate_id: UUID) -> None:
        if self.repository.cache is not None:
            try:
                self.repository.cache.get(aggregate_id, evict=True)
            except KeyError:
                pass

    def committed(self, aggregates: Iterable[Any]) -> None:
        """Called after every commit with the aggregates in hand (e.g. to update an index)."""

    def originators(self, topic_part: str) -> set[UUID]:
        """Ids of every aggregate whose stored events' topic contains `topic_part` (one scan)."""
        found: set[UUID] = set()
        position = 0
        while batch := self.notifications_after(position, 5000):
            found |= {n.originator_id for n in batch if topic_part in n.topic}
            position = batch[-1].id
        return found

    def stored_originators(self, ids: Collection[UUID]) -> set[UUID]:
        """Which of `ids` already have events in the store: one query for a whole batch,
        where `recorder.select_events` takes a transaction per id."""
        ids, found = list(ids), set()
        for start in range(0, len(ids), 500):
            found |= _stored(self.recorder, ids[start:start + 500])
        return found

    def load_many(self, ids: Collection[UUID]) -> dict[UUID, Any]:
        """The stored aggregates among `ids`, current, from one query per 500 ids (the
        repository's `get` takes a round trip each: the PostgreSQL consumer's rate).
        Ids with no stored events are absent from the answer."""
        ids, found = list(ids), {}
        for start in range(0, len(ids), 500):
            stored = _events_of(self.recorder, ids[start:start + 500])
            for originator_id, events in _by_originator(stored):
                aggregate = project_aggregate(None, map(self.mapper.to_domain_event, events))
                if aggregate is not None:
                    found[originator_id] = aggregate
        return found

    def notifications_after(self, position: int, limit: int) -> Sequence[Notification]:
        return self.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False
        )

    def max_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    def tracked_position(self, name: str) -> int | None:
        return self.process_recorder.max_tracking_id(name)

    def save_position(self, name: str, position: int) -> None:
        self.process_recorder.insert_tracking(Tracking(name, position))

    def domain_event(self, notification: Notification) -> Any:
        return self.mapper.to_domain_event(notification)


def _stored(recorder: Any, ids: list[UUID]) -> set[UUID]:
    rows = _rows_of(recorder, ids, "DISTINCT originator_id")
    if rows is None:  # in-memory (tests)
        return {i for i in ids if recorder.select_events(i, limit=1)}
    return {row["originator_id"] for row in rows}


def _events_of(recorder: Any, ids: list[UUID]) -> list[StoredEvent]:
    """Every stored event of `ids`, by originator then version."""
    rows = _rows_of(recorder, ids, "originator_id, originator_version, topic, state",
                    " ORDER BY originator_id, originator_version")
    if rows is None:  # in-memory (tests)
        return [e for i in ids for e in recorder.select_events(i)]
    return [StoredEvent(row["originator_id"], row["originator_version"], row["topic"],
                        bytes(row["state"])) for row in rows]


def _rows_of(recorder: Any, ids: list[UUID], columns: str, tail: str = "") -> list | None:
    """`SELECT columns` of the stored events of `ids` in one statement, originator ids as
    UUIDs; None for a recorder without SQL (the in-memory one)."""
    if isinstance(recorder, SQLiteAggregateRecorder):
        marks = ",".join("?" * len(ids))
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT {columns} FROM {recorder.events_table_name}"
                           f" WHERE originator_id IN ({marks}){tail}", [i.hex for i in ids])
            return [dict(row) | {"originator_id": recorder.convert_originator_id(
                row["originator_id"])} for row in cursor.fetchall()]
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = SQL(f"SELECT {columns} FROM {{}}.{{}} WHERE originator_id = ANY(%s){tail}"
                        ).format(Identifier(recorder.datastore.schema),
                                 Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(statement, [ids])
            return cursor.fetchall()
    return None


def _by_originator(stored: list[StoredEvent]) -> Iterable[tuple[UUID, list[StoredEvent]]]:
    current: list[StoredEvent] = []
    for event in stored:
        if current and event.originator_id != current[0].originator_id:
            yield current[0].originator_id, current
            current = []
        current.append(event)
    if current:
        yield current[0].originator_id, current
