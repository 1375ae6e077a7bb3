"""Calendar revisions: each loaded year is recorded (kit.revisions) with its digest.

A deadline remembers the calendar revision it was computed with, so an auditor can fetch
that revision and recompute or explain the deadline later, after the calendar changed.
"""

from __future__ import annotations

from kit.revisions import digest
from services.sla.domain.calendar import ProductionCalendar, YearCalendar


def year_data(year: YearCalendar) -> dict:
    return {"year": year.year, "source": year.source, "status": year.status,
            "weekend": sorted(year.weekend),
            "non_working": {d.isoformat(): r for d, r in sorted(year.non_working.items())},
            "working": {d.isoformat(): r for d, r in sorted(year.working.items())},
            "shortened": {d.isoformat(): r for d, r in sorted(year.shortened.items())}}


def calendar_revision(calendar: ProductionCalendar) -> str:
    """One digest for the whole calendar as loaded: years and their contents."""
    return digest({str(y): digest(year_data(c)) for y, c in sorted(calendar.years.items())})
