"""Calendar changes as events: each loaded year is recorded with its digest.

A deadline remembers the calendar revision it was computed with, so an auditor can fetch
that revision and recompute or explain the deadline later, after the calendar changed.
"""

from __future__ import annotations

import hashlib
import json
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.sla.domain.calendar import ProductionCalendar, YearCalendar


def year_data(year: YearCalendar) -> dict:
    return {"year": year.year, "source": year.source, "status": year.status,
            "weekend": sorted(year.weekend),
            "non_working": {d.isoformat(): r for d, r in sorted(year.non_working.items())},
            "working": {d.isoformat(): r for d, r in sorted(year.working.items())},
            "shortened": {d.isoformat(): r for d, r in sorted(year.shortened.items())}}


def digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def calendar_revision(calendar: ProductionCalendar) -> str:
    """One digest for the whole calendar as loaded: years and their contents."""
    return digest({str(y): digest(year_data(c)) for y, c in sorted(calendar.years.items())})


def record_id(year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:calendar:{year}")


class CalendarYearRecord(Aggregate):
    @event("Loaded")
    def __init__(self, year: int, data: dict, digest: str):
        self.year = year
        self.revisions: list[dict] = [{"digest": digest, "data": data}]

    @classmethod
    def create_id(cls, year: int, data: dict, digest: str) -> UUID:
        return record_id(year)

    @property
    def digest(self) -> str:
        return self.revisions[-1]["digest"]

    @event("Revised")
    def revise(self, data: dict, digest: str) -> None:
        self.revisions.append({"digest": digest, "data": data})
