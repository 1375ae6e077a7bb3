"""ClickHouse's events table against the log it was projected from: a row whose event the
log holds otherwise (changed), an event of the log the table lacks although analytics says
it loaded that far (missing), a row no record of the log has (inserted). Analysts read
the table; this is how they know it says what the log says."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from contracts.catalog import UnknownEventType, UnknownSchemaVersion, upcast

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIELDS = ("event_type", "appeal_id", "seq", "producer", "occurred_at_ms", "actor_id",
          "actor_role", "payload")
FIELD_RU = {"event_type": "тип события", "appeal_id": "обращение", "seq": "номер события",
            "producer": "служба", "occurred_at_ms": "время", "actor_id": "кто",
            "actor_role": "роль", "payload": "содержание"}


@dataclass(frozen=True)
class RowDiscrepancy:
    event_id: str
    appeal_id: str | None
    partition: int | None
    offset: int | None
    what: str  # in Russian


@dataclass(frozen=True)
class AnalyticsReport:
    rows: int
    events: int  # distinct events of the log the table should hold
    discrepancies: tuple[RowDiscrepancy, ...]


def envelopes_of(records: Iterable) -> list[tuple[int, int, dict]]:
    """(partition, offset, envelope) of each Kafka record that is an envelope (the others
    are dead letters' concern, not the table's)."""
    found = []
    for r in records:
        try:
            envelope = json.loads(r.value)
        except (TypeError, ValueError):
            continue
        if isinstance(envelope, dict) and "event_id" in envelope:
            found.append((r.partition, r.offset, envelope))
    return found


def expected(envelope: Mapping) -> dict:
    """What the events table must say of this record: the fields it copies, the payload
    brought up to its latest version (as analytics stores it)."""
    moment = datetime.fromisoformat(envelope["occurred_at"])
    payload = envelope.get("payload")
    try:
        _, payload = upcast(envelope["event_type"], int(envelope["schema_version"]), payload)
    except (UnknownEventType, UnknownSchemaVersion, KeyError, TypeError, ValueError):
        pass  # what analytics cannot read it dead-letters: such a row is a finding anyway
    actor = envelope.get("actor") or {}
    return {"event_type": envelope["event_type"], "appeal_id": str(envelope["appeal_id"]),
            "seq": int(envelope["seq"]), "producer": envelope["producer"],
            "occurred_at_ms": (moment - EPOCH) // timedelta(milliseconds=1),
            "actor_id": actor.get("id", ""),
            "actor_role": actor.get("role", ""), "payload": payload}


def _row(row: Mapping) -> dict:
    found = {k: row[k] for k in FIELDS if k != "payload"}
    try:
        found["payload"] = json.loads(row["payload"])
    except (TypeError, ValueError):
        found["payload"] = row["payload"]
    found["appeal_id"], found["seq"] = str(found["appeal_id"]), int(found["seq"])
    found["occurred_at_ms"] = int(found["occurred_at_ms"])
    return found


def compare(records: Iterable[tuple[int, int, Mapping]], rows: Iterable[Mapping],
            loaded: Mapping[int, int]) -> AnalyticsReport:
    """`records`: (partition, offset, envelope) of the log; `rows`: the table's rows with
    event_id, partition, offset and FIELDS (payload as JSON text, occurred_at in ms);
    `loaded`: per partition, the offset analytics has loaded up to (exclusive)."""
    versions: dict[str, list[tuple[int, int, dict]]] = {}
    for partition, offset, envelope in records:
        versions.setdefault(str(envelope["event_id"]), []).append(
            (partition, offset, expected(envelope)))
    found: list[RowDiscrepancy] = []
    seen: set[str] = set()
    count = 0
    for row in rows:
        count += 1
        event_id = str(row["event_id"])
        seen.add(event_id)
        actual = _row(row)
        log_versions = versions.get(event_id)
        if not log_versions:
            found.append(RowDiscrepancy(event_id, actual["appeal_id"], row.get("partition"),
                                        row.get("offset"), "строка есть в ClickHouse, а "
                                        "события в журнале нет (вставлена)"))
            continue
        if any(v == actual for _, _, v in log_versions):
            continue
        partition, offset, first = log_versions[0]
        differ = [FIELD_RU[k] for k in FIELDS if first[k] != actual[k]]
        found.append(RowDiscrepancy(event_id, actual["appeal_id"], partition, offset,
                                    "строка ClickHouse расходится с журналом: "
                                    + ", ".join(differ)))
    for event_id, log_versions in versions.items():
        partition, offset, first = log_versions[0]
        if event_id not in seen and offset < loaded.get(partition, 0):
            found.append(RowDiscrepancy(event_id, first["appeal_id"], partition, offset,
                                        "события журнала нет в ClickHouse (удалена строка)"))
    return AnalyticsReport(count, len(versions), tuple(found))
