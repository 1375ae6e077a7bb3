"""Reference-file revisions in ClickHouse: analytics has no event store, so its files'
versions are rows, numbered and digested as kit/revisions.py does for the other services."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kit.revisions import digest
from services.analytics.adapters.clickhouse import ClickHouse


@dataclass(frozen=True)
class Revision:
    name: str
    number: int  # 1 for the first loaded version, 2 after the first change, …
    digest: str


def record(ch: ClickHouse, name: str, data: dict) -> tuple[Revision, bool]:
    """Record `data` under `name` if it is new or changed; returns (revision, changed)."""
    new_digest = digest(data)
    rows = ch.rows("SELECT number, digest FROM reference_revisions WHERE name = {name:String}"
                   " ORDER BY number DESC LIMIT 1", {"name": name})
    if rows and rows[0]["digest"] == new_digest:
        return Revision(name, rows[0]["number"], new_digest), False
    number = rows[0]["number"] + 1 if rows else 1
    ch.insert("reference_revisions", [{
        "name": name, "number": number, "digest": new_digest,
        "data": json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)}])
    return Revision(name, number, new_digest), True


def history(ch: ClickHouse, name: str) -> list[dict]:
    return ch.rows("SELECT number, digest, data, recorded_at FROM reference_revisions"
                   " WHERE name = {name:String} ORDER BY number", {"name": name})
