"""The MCU dashboard's figures as charts take them: analytics' rows with names instead of
ids, the largest values first, and the week around a day. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.console.domain.display import Names, channel_ru

SERIES = (("new", "новые"), ("repeat", "повторные"), ("overdue", "просроченные"),
          ("postponed", "отложенные"))
DIMENSIONS = {"recipient_id": "По получателям", "thematic_block": "По тематическим блокам",
              "territory": "По территориям", "channel": "По каналам"}
TOP = 12


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def shifted(week: str, weeks: int) -> str:
    return iso_week(week_start(week) + timedelta(weeks=weeks))


@dataclass(frozen=True)
class BarChart:
    title: str
    labels: list[str]
    series: list[dict]  # {"name", "data"}

    def as_json(self) -> dict:
        return {"kind": "bars", "title": self.title, "labels": self.labels,
                "series": self.series}


def label(dim: str, value: str, names: Names) -> str:
    if not value:  # new appeals are counted as registered, before routing names anyone
        return "до направления" if dim == "recipient_id" else "не указано"
    if dim == "recipient_id":
        return names.org(value)
    if dim == "thematic_block":
        return names.block(value)
    if dim == "channel":
        return channel_ru(value)
    return value


def bars(dim: str, rows: list[dict], names: Names) -> BarChart:
    """Counts per value of one dimension, the values with most new appeals first."""
    top = sorted(rows, key=lambda r: (-r["new"], str(r["value"])))[:TOP]
    top.reverse()  # a horizontal chart draws its first category at the bottom
    return BarChart(DIMENSIONS[dim], [label(dim, str(r["value"]), names) for r in top],
                    [{"name": ru, "data": [int(r[key]) for r in top]} for key, ru in SERIES])


def heat(rows: list[dict], limit: int = 10) -> dict:
    """Topics × territories of the period: the busiest of each, with growth on hover."""
    topics = _busiest(rows, "topic", limit)
    places = _busiest(rows, "territory", limit)
    cells = [[places.index(r["territory"]), topics.index(r["topic"]), int(r["current"]),
              r.get("growth")]
             for r in rows if r["topic"] in topics and r["territory"] in places]
    return {"kind": "heat", "title": "Темы × территории", "x": places, "y": topics,
            "cells": cells, "max": max((c[2] for c in cells), default=0)}


def _busiest(rows: list[dict], key: str, limit: int) -> list[str]:
    totals: dict[str, int] = {}
    for r in rows:
        totals[r[key]] = totals.get(r[key], 0) + int(r["current"])
    return [k for k, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def share(part: int, base: int) -> str:
    """A share as people read it; «нет данных» over an empty base, never 100 %."""
    return f"{round(100 * part / base)} %" if base else "нет данных"


def rating_view(row: dict) -> dict:
    """A rating row with each component over its own base (shown beside it)."""
    timely_base = row["answered"] + row["overdue_open"]
    return {**row, "timeliness_text": share(row["on_time"], timely_base),
            "timely_base": timely_base,
            "completeness_text": share(row["answered"], row["appeals"]),
            "quality_text": f"{round(100 * row['quality'])} %" if row["answered"] else "нет данных"}
