"""The production-calendar file format (YAML), its validator and the shipped years.

```yaml
year: 2026
status: official            # official | provisional
source: постановление Правительства РФ …
weekend: [saturday, sunday] # optional, default
non_working:                # holidays and transferred days off: date: reason
  2026-01-09: выходной, перенесённый с 3 января
working:                    # weekend days made working by the transfer decree
  2027-02-20: рабочая суббота (перенос на 22 февраля)
shortened:                  # pre-holiday working days, one hour shorter
  2026-04-30: предпраздничный день
```
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kit.reference_files import ReferenceFileError, load_yaml, problems

from services.sla.domain.calendar import ProductionCalendar, YearCalendar

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "data" / "calendars"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Reason = str


class CalendarFileError(ReferenceFileError):
    code = "invalid_calendar"


class CalendarFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=1990, le=2100)
    status: Literal["official", "provisional"] = "official"
    source: str = Field(min_length=3)
    weekend: tuple[Literal[WEEKDAYS], ...] = ("saturday", "sunday")  # type: ignore[valid-type]
    non_working: dict[date, Reason] = {}
    working: dict[date, Reason] = {}
    shortened: dict[date, Reason] = {}

    @model_validator(mode="after")
    def _consistent(self) -> CalendarFile:
        found = []
        weekend = {WEEKDAYS.index(w) for w in self.weekend}
        for section in ("non_working", "working", "shortened"):
            for d, reason in getattr(self, section).items():
                if d.year != self.year:
                    found.append(f"{section}.{d}: дата не из {self.year} года")
                if not str(reason).strip():
                    found.append(f"{section}.{d}: не указана причина")
        for d in set(self.non_working) & set(self.working):
            found.append(f"{d}: день не может быть одновременно рабочим и нерабочим")
        for d in self.working:
            if d.weekday() not in weekend:
                found.append(f"working.{d}: это не выходной день; рабочими объявляются "
                                "только выходные дни по переносу")
        for d in self.shortened:
            if d in self.non_working or (d.weekday() in weekend and d not in self.working):
                found.append(f"shortened.{d}: сокращённым может быть только рабочий день")
        if found:
            raise ValueError("; ".join(found))
        return self

    def to_year(self) -> YearCalendar:
        return YearCalendar(
            year=self.year, source=self.source, status=self.status,
            weekend=frozenset(WEEKDAYS.index(w) for w in self.weekend),
            non_working=dict(self.non_working), working=dict(self.working),
            shortened=dict(self.shortened),
        )


def parse(text: str, source: str = "календарь") -> YearCalendar:
    data = load_yaml(text, source, CalendarFileError)
    if not isinstance(data, dict):
        raise CalendarFileError(source, ["ожидается словарь с полями year, source, non_working…"])
    try:
        return CalendarFile.model_validate(data).to_year()
    except ValidationError as exc:
        raise CalendarFileError(source, problems(exc)) from None


def load(path: Path) -> YearCalendar:
    return parse(path.read_text(encoding="utf-8"), str(path))


def shipped() -> ProductionCalendar:
    """The calendars shipped with the service (2025–2027)."""
    return ProductionCalendar(load(p) for p in sorted(SHIPPED_DIR.glob("ru-*.yaml")))


# -- regional overlays ------------------------------------------------------------------
REGIONS_DIR = SHIPPED_DIR / "regions"


class OverlayFile(BaseModel):
    """A region's own non-working days for one year, set by the region's law (e.g.
    Ураза-байрам and Курбан-байрам in Чеченская Республика), on top of the federal year:

    ```yaml
    year: 2026
    region: chechnya
    status: official
    source: Закон Чеченской Республики …; указ Главы ЧР о дате Ураза-байрам в 2026 году
    non_working:
      2026-03-20: Ураза-байрам
    ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=1990, le=2100)
    region: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    status: Literal["official", "provisional"] = "official"
    source: str = Field(min_length=3)
    non_working: dict[date, Reason] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> OverlayFile:
        found = [f"non_working.{d}: дата не из {self.year} года"
                 for d in self.non_working if d.year != self.year]
        found += [f"non_working.{d}: не указана причина"
                  for d, reason in self.non_working.items() if not str(reason).strip()]
        if found:
            raise ValueError("; ".join(found))
        return self


def parse_overlay(text: str, source: str = "региональный календарь") -> OverlayFile:
    data = load_yaml(text, source, CalendarFileError)
    if not isinstance(data, dict):
        raise CalendarFileError(source, ["ожидается словарь с полями year, region, source, "
                                         "non_working"])
    try:
        return OverlayFile.model_validate(data)
    except ValidationError as exc:
        raise CalendarFileError(source, problems(exc)) from None


def overlaid(federal: YearCalendar, overlay: OverlayFile) -> YearCalendar:
    """The federal year with the region's non-working days: such a day is neither working
    (a weekend made working by transfer) nor shortened; the source names both laws."""
    days = dict(overlay.non_working)
    return YearCalendar(
        year=federal.year, status="provisional" if "provisional" in (
            federal.status, overlay.status) else "official",
        source=f"{federal.source}; региональные нерабочие дни ({overlay.region}): "
               f"{overlay.source}",
        weekend=federal.weekend,
        non_working={**federal.non_working, **{d: r for d, r in days.items()
                                              if d not in federal.non_working}},
        working={d: r for d, r in federal.working.items() if d not in days},
        shortened={d: r for d, r in federal.shortened.items() if d not in days})


def with_region(federal: ProductionCalendar, region: str, directory: Path = REGIONS_DIR
                ) -> ProductionCalendar:
    """The federal calendar with the region's overlay files (`<region>-<year>.yaml`); a
    year without an overlay file stays federal. A region named but without any file is
    refused: its holidays would silently be working days."""
    paths = sorted(directory.glob(f"{region}-*.yaml"))
    if not paths:
        raise CalendarFileError(str(directory), [f"нет файлов региона {region} "
                                                 f"({region}-<год>.yaml)"])
    years = dict(federal.years)
    for path in paths:
        overlay = parse_overlay(path.read_text(encoding="utf-8"), str(path))
        if overlay.region != region:
            raise CalendarFileError(str(path), [f"region: {overlay.region}, ожидался {region}"])
        base = years.get(overlay.year) or YearCalendar(overlay.year, "календарь не загружен",
                                                       "provisional")
        years[overlay.year] = overlaid(base, overlay)
    return ProductionCalendar(years.values())


def dump(year: YearCalendar, header: str = "") -> str:
    body = {
        "year": year.year, "status": year.status, "source": year.source,
        "non_working": {d: r for d, r in sorted(year.non_working.items())},
        "working": {d: r for d, r in sorted(year.working.items())},
        "shortened": {d: r for d, r in sorted(year.shortened.items())},
    }
    return header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
