"""Calendar revisions: each loaded year is recorded (kit.revisions) with its digest.

A deadline remembers the calendar revision it was computed with, so an auditor can fetch
that revision and recompute or explain the deadline later, after the calendar changed.
"""

from __future__ import annotations

from datetime import date

from kit.revisions import digest
from services.sla.domain.calendar import ProductionCalendar, YearCalendar


def year_data(year: YearCalendar) -> dict:
    return {"year": year.year, "source": year.source, "status": year.status,
            "weekend": sorted(year.weekend),
            "non_working": {d.isoformat(): r for d, r in sorted(year.non_working.items())},
            "working": {d.isoformat(): r for d, r in sorted(year.working.items())},
            "shortened": {d.isoformat(): r for d, r in sorted(year.shortened.items())}}


def year_of(data: dict) -> YearCalendar:
    """The year back from its recorded data (`year_data`'s inverse)."""
    return YearCalendar(
        year=int(data["year"]), source=data["source"], status=data.get("status", "official"),
        weekend=frozenset(data.get("weekend", (5, 6))),
        non_working={date.fromisoformat(d): r for d, r in data.get("non_working", {}).items()},
        working={date.fromisoformat(d): r for d, r in data.get("working", {}).items()},
        shortened={date.fromisoformat(d): r for d, r in data.get("shortened", {}).items()})


def index_data(calendar: ProductionCalendar) -> dict[str, str]:
    """Which revision of each year the calendar is made of; recorded too, so a calendar
    revision named by a deadline can be put together again from the years' records."""
    return {str(y): digest(year_data(c)) for y, c in sorted(calendar.years.items())}


def calendar_revision(calendar: ProductionCalendar) -> str:
    """One digest for the whole calendar as loaded: years and their contents (the digest
    of `index_data`)."""
    return digest(index_data(calendar))
