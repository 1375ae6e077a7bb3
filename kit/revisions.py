"""Reference data as events: every loaded version of a file the administrator edits
(calendar, directory, autorules) is recorded with its digest, so any past decision can be
explained with the data it was made with."""

from __future__ import annotations

import hashlib
import json
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event


def digest(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def revisions_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:revisions:{name}")


class Revisions(Aggregate):
    @event("Loaded")
    def __init__(self, name: str, data: dict, digest: str):
        self.name = name
        self.revisions: list[dict] = [{"digest": digest, "data": data}]

    @classmethod
    def create_id(cls, name: str, data: dict, digest: str) -> UUID:
        return revisions_id(name)

    @property
    def digest(self) -> str:
        return self.revisions[-1]["digest"]

    @property
    def number(self) -> int:
        """1 for the first loaded version, 2 after the first change, …"""
        return len(self.revisions)

    @event("Revised")
    def revise(self, data: dict, digest: str) -> None:
        self.revisions.append({"digest": digest, "data": data})


def record(app, name: str, data: dict) -> tuple[Revisions, bool]:
    """Record `data` under `name` if it is new or changed; returns (record, changed)."""
    new_digest = digest(data)
    try:
        current: Revisions = app.repository.get(revisions_id(name))
    except AggregateNotFoundError:
        current = Revisions(name, data, new_digest)
    else:
        if current.digest == new_digest:
            return current, False
        current.revise(data, new_digest)
    app.save(current)
    return current, True


def history(app, name: str) -> list[dict]:
    try:
        return app.repository.get(revisions_id(name)).revisions
    except AggregateNotFoundError:
        return []
