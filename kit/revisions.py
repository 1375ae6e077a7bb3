"""Reference data as events: every loaded version of a file the administrator edits
(directory and autorules in routing, policy and calendars in SLA, the rubricator in intake;
analytics keeps its rating formula's the same way in ClickHouse) is recorded with its
digest at start, so any past decision can be explained with the data it was made with."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError


def digest(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def revisions_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:revisions:{name}")


class Revisions(Aggregate):
    @event("Loaded")
    def __init__(self, name: str, data: dict, digest: str, by: str | None = None,
                 at: str | None = None):
        self.name = name
        self.revisions: list[dict] = [{"digest": digest, "data": data, "by": by, "at": at}]

    @classmethod
    def create_id(cls, name: str, data: dict, digest: str, by: str | None = None,
                  at: str | None = None) -> UUID:
        return revisions_id(name)

    @property
    def digest(self) -> str:
        return self.revisions[-1]["digest"]

    @property
    def number(self) -> int:
        """1 for the first loaded version, 2 after the first change, …"""
        return len(self.revisions)

    @event("Revised")
    def revise(self, data: dict, digest: str, by: str | None = None,
               at: str | None = None) -> None:
        """`by`: the person who wrote it from the console (None: read from the file at
        start or on a change on disk); `at`: when (ISO, UTC; None in records before it)."""
        self.revisions.append({"digest": digest, "data": data, "by": by, "at": at})


def record(app, name: str, data: dict, by: str | None = None) -> tuple[Revisions, bool]:
    """Record `data` under `name` if it is new or changed; returns (record, changed).

    Processes of one service starting together (intake's HTTP workers) may record the same
    version at once: the one that loses the write reads what the other stored."""
    new_digest, at = digest(data), datetime.now(UTC).isoformat(timespec="seconds")
    for _ in range(3):
        try:
            current: Revisions = app.repository.get(revisions_id(name))
        except AggregateNotFoundError:
            current = Revisions(name, data, new_digest, by, at)
        else:
            if current.digest == new_digest:
                return current, False
            current.revise(data, new_digest, by, at)
        try:
            app.save(current)
        except IntegrityError:
            if app.repository.cache is not None:
                app.repository.cache.clear()
            continue
        return current, True
    raise RuntimeError(f"revision of {name} could not be recorded: the store keeps changing")


def record_changes(app, files: dict[str, dict], by: str | None = None
                   ) -> tuple[list[str], dict[str, Revisions]]:
    """Record each named file's data; what changed, in Russian, for the start-up log, and
    each file's current record (its number names the version decisions cite)."""
    changes, records = [], {}
    for name, data in files.items():
        records[name], changed = record(app, name, data, by)
        if changed:
            changes.append(f"{name}: версия {records[name].number} ({records[name].digest})")
    return changes, records


def history(app, name: str) -> list[dict]:
    try:
        return app.repository.get(revisions_id(name)).revisions
    except AggregateNotFoundError:
        return []
