"""Seeds a year's calendar from the `holidays` library and says what it cannot know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays

from services.sla.domain.calendar import YearCalendar

# Labour Code art. 112: the fixed non-working holidays.
ART_112 = {(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (2, 23), (3, 8),
           (5, 1), (5, 9), (6, 12), (11, 4)}

HOLIDAY_NAMES_RU = {
    (1, 7): "Рождество Христово", (2, 23): "День защитника Отечества",
    (3, 8): "Международный женский день", (5, 1): "Праздник Весны и Труда",
    (5, 9): "День Победы", (6, 12): "День России", (11, 4): "День народного единства",
}


@dataclass(frozen=True)
class Seeded:
    year: YearCalendar
    cannot_know: tuple[str, ...]


def _name(d: date, library_name: str) -> str:
    if (d.month, d.day) in HOLIDAY_NAMES_RU:
        return HOLIDAY_NAMES_RU[(d.month, d.day)]
    if d.month == 1 and d.day <= 8:
        return "Новогодние каникулы"
    if "substituted from" in library_name:
        src = library_name.split("substituted from")[1].strip(" )")
        month, day, _ = src.split("/")
        return f"выходной, перенесённый с {int(day):02d}.{int(month):02d}"
    return "выходной по ст. 112 ТК РФ (праздник совпал с выходным)"


def seed(year: int) -> Seeded:
    lib = holidays.Russia(years=year, language="en_US")
    non_working = {d: _name(d, n) for d, n in sorted(lib.items())}
    working = {d: "рабочий день по переносу выходных" for d in sorted(lib.weekend_workdays)
               if d.year == year}
    shortened = {}
    for d in non_working:
        if (d.month, d.day) in ART_112:
            before = d - timedelta(days=1)
            is_working = before in working or (before.weekday() < 5 and before not in non_working)
            if before.year == year and is_working:
                shortened[before] = "предпраздничный день, на час короче (ч. 1 ст. 95 ТК РФ)"
    cannot_know = (
        "рабочие субботы и переносы выходных берутся из библиотеки holidays: если "
        f"постановление о переносе на {year} год вышло позже её выпуска, их в ней нет — "
        "сверьте с постановлением Правительства РФ",
        "сокращённые предпраздничные дни вычислены по ч. 1 ст. 95 ТК РФ (рабочий день "
        "непосредственно перед праздником); особые решения Минтруда нужно внести вручную",
        "региональные нерабочие праздники (например, Радоница, Курбан-байрам в ряде "
        "субъектов) библиотека не знает: добавьте их в non_working",
    )
    return Seeded(
        YearCalendar(year=year, source=f"библиотека holidays {holidays.__version__}; сверить с "
                     "постановлением Правительства РФ о переносе выходных дней", status="provisional",
                     non_working=non_working, working=working, shortened=shortened),
        cannot_know,
    )
