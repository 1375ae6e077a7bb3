"""The Russian production calendar as data: a Mon–Fri week plus each year's exceptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

WEEKDAY_NAMES_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


@dataclass(frozen=True)
class YearCalendar:
    """One year's exceptions to the default week, with the legal source they come from."""

    year: int
    source: str
    status: str = "official"  # official | provisional
    weekend: frozenset[int] = frozenset({5, 6})  # Monday = 0
    non_working: dict[date, str] = field(default_factory=dict)  # holidays, transferred days off
    working: dict[date, str] = field(default_factory=dict)  # weekend days made working
    shortened: dict[date, str] = field(default_factory=dict)  # pre-holiday: one hour shorter


@dataclass(frozen=True)
class Day:
    date: date
    working: bool
    shortened: bool
    reason: str  # why it is (not) working, in Russian, for explanations


class ProductionCalendar:
    """Answers "is this a working day, and why" for any date.

    A year without data falls back to the default week and says so in the reason, so
    a deadline that runs past the last loaded year is still computed and explained.
    """

    def __init__(self, years: Iterable[YearCalendar]):
        self.years = {y.year: y for y in years}

    def day(self, d: date) -> Day:
        year = self.years.get(d.year)
        if year is None:
            working = d.weekday() < 5
            note = f"календарь на {d.year} год не загружен"
            return Day(d, working, False, f"{'рабочий' if working else 'выходной'} ({note})")
        if d in year.non_working:
            return Day(d, False, False, year.non_working[d])
        if d in year.working:
            return Day(d, True, d in year.shortened, year.working[d])
        if d.weekday() in year.weekend:
            return Day(d, False, False, "выходной")
        if d in year.shortened:
            return Day(d, True, True, year.shortened[d])
        return Day(d, True, False, "рабочий")

    def is_working(self, d: date) -> bool:
        return self.day(d).working

    def with_year(self, year: YearCalendar) -> ProductionCalendar:
        """A new calendar with one year replaced (calendar changes are events)."""
        return ProductionCalendar([*(y for y in self.years.values() if y.year != year.year), year])
