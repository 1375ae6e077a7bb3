"""Terms in calendar days, working days or working hours, and the due moment they give.

Rules (docs/sla.md):
* a term in days starts on the day after registration (Civil Code art. 191) and ends at
  the end of its last day in the municipality's time zone;
* a term in calendar days whose last day is non-working ends on the next working day
  (art. 193);
* a term in working days counts working days only;
* a term in working hours counts only working time of the schedule, from the moment of
  registration (shortened days count their shorter hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from contracts.vocabulary import TermUnit
from services.sla.domain.calendar import ProductionCalendar
from services.sla.domain.schedule import WorkSchedule

_SUFFIX = {"d": TermUnit.CALENDAR_DAYS, "wd": TermUnit.WORKING_DAYS, "wh": TermUnit.WORKING_HOURS}
_TERM = re.compile(r"^\s*(\d+)\s*(wd|wh|d)\s*$")
MAX_SCAN_DAYS = 3660  # ten years: a calendar with no working days cannot loop forever


class TermError(ValueError):
    code = "invalid_term"


@dataclass(frozen=True)
class Term:
    amount: int
    unit: TermUnit

    @classmethod
    def parse(cls, text: str) -> Term:
        match = _TERM.match(text)
        if not match or int(match.group(1)) < 1:
            raise TermError(f"срок «{text}» не распознан: ожидается, например, 30d, 10wd или 8wh")
        return cls(int(match.group(1)), _SUFFIX[match.group(2)])

    def __str__(self) -> str:
        suffix = {v: k for k, v in _SUFFIX.items()}[self.unit]
        return f"{self.amount}{suffix}"


@dataclass(frozen=True)
class Due:
    due: datetime  # aware, in the municipality's zone
    explanation: tuple[str, ...]

    def as_json(self) -> dict:
        return {"due": self.due.isoformat(), "due_utc": self.due.astimezone(UTC).isoformat(),
                "explanation": list(self.explanation)}


def _fmt_hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} ч {minutes % 60:02d} мин"


class TermCalculator:
    """Due moments and shifts on one calendar and schedule (pure)."""

    def __init__(self, calendar: ProductionCalendar, schedule: WorkSchedule):
        from services.sla.domain.calendar_record import calendar_revision

        self.calendar = calendar
        self.schedule = schedule
        self.revision = calendar_revision(calendar)
        self._days: dict[date, tuple[list[tuple[datetime, datetime]], timedelta]] = {}

    def due(self, registered: datetime, term: Term) -> Due:
        if registered.tzinfo is None:
            raise TermError("момент регистрации должен быть с часовым поясом")
        local = registered.astimezone(self.schedule.timezone)
        if term.unit is TermUnit.CALENDAR_DAYS:
            return self._calendar_days(local, term.amount)
        if term.unit is TermUnit.WORKING_DAYS:
            return self._working_days(local, term.amount)
        return self._working_hours(local, timedelta(hours=term.amount))

    def _calendar_days(self, local: datetime, amount: int) -> Due:
        first = local.date() + timedelta(days=1)
        last = local.date() + timedelta(days=amount)
        notes = [f"регистрация {local:%d.%m.%Y %H:%M}; срок течёт со следующего дня "
                 f"{first:%d.%m.%Y} (ст. 191 ГК РФ)",
                 f"{amount} календарных дней: последний день {last:%d.%m.%Y}"]
        for _ in range(MAX_SCAN_DAYS):
            day = self.calendar.day(last)
            if day.working:
                break
            nxt = last + timedelta(days=1)
            notes.append(f"{last:%d.%m.%Y} — {day.reason}: окончание переносится на "
                         f"{nxt:%d.%m.%Y} (ст. 193 ГК РФ)")
            last = nxt
        notes.append(f"срок истекает в конце дня {last:%d.%m.%Y}")
        return Due(self.schedule.end_of_day(last), tuple(notes))

    def _working_days(self, local: datetime, amount: int) -> Due:
        notes = [f"регистрация {local:%d.%m.%Y %H:%M}; считаются рабочие дни со следующего дня"]
        d, counted = local.date(), 0
        for _ in range(MAX_SCAN_DAYS):
            if counted == amount:
                break
            d += timedelta(days=1)
            day = self.calendar.day(d)
            if day.working:
                counted += 1
                notes.append(f"{d:%d.%m.%Y} — рабочий день {counted} из {amount}")
            else:
                notes.append(f"{d:%d.%m.%Y} — не считается: {day.reason}")
        notes.append(f"срок истекает в конце дня {d:%d.%m.%Y}")
        return Due(self.schedule.end_of_day(d), tuple(notes))

    def _working_hours(self, local: datetime, amount: timedelta) -> Due:
        notes = [f"регистрация {local:%d.%m.%Y %H:%M}; считается только рабочее время"]
        left, d = amount, local.date()
        for _ in range(MAX_SCAN_DAYS):
            day = self.calendar.day(d)
            periods = self.schedule.periods(day)
            if not periods:
                notes.append(f"{d:%d.%m.%Y} — не считается: {day.reason}")
            for start, end in periods:
                start = max(start, local)
                if start >= end:
                    continue
                if end - start >= left:
                    due = start + left
                    notes.append(f"{d:%d.%m.%Y} {start:%H:%M}–{due:%H:%M} ({_fmt_hours(left)})")
                    notes.append(f"срок истекает {due:%d.%m.%Y %H:%M}")
                    return Due(due, tuple(notes))
                left -= end - start
                short = " (сокращённый день)" if day.shortened else ""
                notes.append(f"{d:%d.%m.%Y} {start:%H:%M}–{end:%H:%M} "
                             f"({_fmt_hours(end - start)}){short}")
            d += timedelta(days=1)
        raise TermError("в календаре нет рабочего времени на ближайшие десять лет")

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """Working time of the schedule between two moments (zero if `end` is not later).
        Whole days between count their length at once: a queue's badges ask this of
        appeals overdue by months."""
        total, d = timedelta(), start.astimezone(self.schedule.timezone).date()
        last = end.astimezone(self.schedule.timezone).date()
        while d <= last:
            periods, length = self._work_of(d)
            if periods and periods[0][0] >= start and periods[-1][1] <= end:
                total += length
            else:
                for begin, finish in periods:
                    overlap = min(finish, end) - max(begin, start)
                    if overlap > timedelta():
                        total += overlap
            d += timedelta(days=1)
        return total

    def _work_of(self, d: date) -> tuple[list[tuple[datetime, datetime]], timedelta]:
        """The day's working periods and their total length (kept: days do not change
        within one calculator)."""
        found = self._days.get(d)
        if found is None:
            periods = self.schedule.periods(self.calendar.day(d))
            found = self._days[d] = (periods, sum((b - a for a, b in periods), timedelta()))
        return found

    @property
    def working_day(self) -> timedelta:
        """The length of an ordinary working day of the schedule."""
        s = self.schedule
        length = s.local(date(2000, 1, 3), s.end) - s.local(date(2000, 1, 3), s.start)
        if s.lunch:
            length -= s.local(date(2000, 1, 3), s.lunch[1]) - s.local(date(2000, 1, 3), s.lunch[0])
        return length

    # -- shifts used by reminders and escalation --------------------------------------
    def before(self, due: datetime, offset: Term) -> datetime:
        """The moment `offset` before `due`: N days earlier, the start of the working day
        N working days earlier, or N working hours earlier."""
        local = due.astimezone(self.schedule.timezone)
        if offset.unit is TermUnit.CALENDAR_DAYS:
            return local - timedelta(days=offset.amount)
        if offset.unit is TermUnit.WORKING_DAYS:
            d, counted = local.date(), 0
            while counted < offset.amount:
                d -= timedelta(days=1)
                counted += self.calendar.is_working(d)
            return self.schedule.local(d, self.schedule.start)
        return self._hours_back(local, timedelta(hours=offset.amount))

    def after(self, moment: datetime, delay: Term) -> datetime:
        """The moment `delay` after `moment` (escalation steps): days later, the start of
        the Nth next working day, or N working hours later."""
        local = moment.astimezone(self.schedule.timezone)
        if delay.unit is TermUnit.CALENDAR_DAYS:
            return local + timedelta(days=delay.amount)
        if delay.unit is TermUnit.WORKING_DAYS:
            d, counted = local.date(), 0
            while counted < delay.amount:
                d += timedelta(days=1)
                counted += self.calendar.is_working(d)
            return self.schedule.local(d, self.schedule.start)
        return self._working_hours(local, timedelta(hours=delay.amount)).due

    def _hours_back(self, local: datetime, amount: timedelta) -> datetime:
        left, d = amount, local.date()
        for _ in range(MAX_SCAN_DAYS):
            for start, end in reversed(self.schedule.periods(self.calendar.day(d))):
                end = min(end, local)
                if end <= start:
                    continue
                if end - start >= left:
                    return end - left
                left -= end - start
            d -= timedelta(days=1)
        raise TermError("в календаре нет рабочего времени на ближайшие десять лет")
