"""A municipality's working schedule: time zone, working hours, optional lunch break."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.sla.domain.calendar import Day


@dataclass(frozen=True)
class WorkSchedule:
    timezone: ZoneInfo
    start: time = time(9, 0)
    end: time = time(18, 0)
    lunch: tuple[time, time] | None = None

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("начало рабочего дня должно быть раньше конца")
        if self.lunch and not (self.start < self.lunch[0] < self.lunch[1] < self.end):
            raise ValueError("обеденный перерыв должен быть внутри рабочего дня")

    def local(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.timezone)

    def periods(self, day: Day) -> list[tuple[datetime, datetime]]:
        """Working intervals of the day; a shortened day ends one hour earlier."""
        if not day.working:
            return []
        start = self.local(day.date, self.start)
        end = self.local(day.date, self.end) - (timedelta(hours=1) if day.shortened else timedelta())
        if not self.lunch:
            return [(start, end)]
        lunch_start, lunch_end = (self.local(day.date, t) for t in self.lunch)
        if end <= lunch_end:  # shortened into the lunch break: the day ends at lunch
            return [(start, min(end, lunch_start))]
        return [(start, lunch_start), (lunch_end, end)]

    def end_of_day(self, d: date) -> datetime:
        """A term in days ends at the end of its last day (23:59:59 local)."""
        return datetime.combine(d, time(23, 59, 59), tzinfo=self.timezone)
