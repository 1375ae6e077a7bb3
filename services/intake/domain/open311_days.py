"""Which Open311 requests were made on a day: what `GET requests.json` lists without ids.

One aggregate per UTC day holds that day's request ids, saved in the registration's own
transaction (like the repeat index): a listing reads the days of its range, never a scan
of every appeal, and never a second store that could drift from the first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


def day_key(day: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:open311:day:{day.isoformat()}")


def days_between(start: datetime, end: datetime) -> list[date]:
    """The UTC days a range of request times touches, newest first."""
    first, last = start.date(), end.date()
    return [last - timedelta(days=n) for n in range((last - first).days + 1)]


class Open311Day(Aggregate):
    @event("Started")
    def __init__(self, day: str, request_id: str, requested_at: str):
        self.day = day
        self.requests: list[tuple[str, str]] = [(request_id, requested_at)]

    @classmethod
    def create_id(cls, day: str, request_id: str = "", requested_at: str = "") -> UUID:
        return day_key(date.fromisoformat(day))

    @event("Added")
    def add(self, request_id: str, requested_at: str) -> None:
        self.requests.append((request_id, requested_at))
