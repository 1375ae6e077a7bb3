"""The management-information queries: bound parameters, one .sql file per purpose."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from contracts.events.workflow import SATISFIED_FROM
from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.domain.indicators import (
    GrowthRule, IndicatorError, Period, RatingFormula, growth, rating_rows, spikes,
)

QUERIES = Path(__file__).parent / "queries"
DIMENSIONS = {
    "recipient_id": "получатель", "topic": "тема", "thematic_block": "отраслевой блок",
    "territory": "территория", "channel": "канал", "kind": "вид", "day": "день",
}
# growth is a rise of one value against its usual weeks: a day has no usual weeks
GROWTH_DIMENSIONS = {k: v for k, v in DIMENSIONS.items() if k != "day"}


@cache
def sql(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text(encoding="utf-8")


def _dim(dim: str, known: dict[str, str] = DIMENSIONS) -> str:
    if dim not in known:
        raise IndicatorError(f"измерение «{dim}» неизвестно; есть: {', '.join(known)}")
    return dim


def _range(period: Period) -> dict:
    return {"start": period.start, "end": period.end}


class Reports:
    def __init__(self, ch: ClickHouse, formula: RatingFormula, rule: GrowthRule):
        self.ch = ch
        self.formula = formula
        self.rule = rule

    def counts(self, period: Period, dim: str) -> list[dict]:
        return self.ch.rows(sql("counts"), {**_range(period), "dim": _dim(dim)})

    def totals(self, period: Period) -> dict:
        rows = self.counts(period, "kind")
        keys = ("new", "repeat", "overdue", "postponed", "answered")
        return {k: sum(r[k] for r in rows) for k in keys}

    def rating(self, period: Period) -> list[dict]:
        components = self.ch.rows(sql("rating"), {**_range(period),
                                                  "satisfied_from": SATISFIED_FROM})
        return [asdict(r) for r in rating_rows(components, self.formula)]

    def heatmap(self, period: Period) -> list[dict]:
        prev = period.previous()
        rows = self.ch.rows(sql("heatmap"), {**_range(period), "prev_start": prev.start})
        return [r | {"growth": growth(r["current"], r["previous"])} for r in rows]

    def growth_factors(self, period: Period, dim: str = "topic", limit: int = 20) -> list[dict]:
        """Spikes of the period's week against the weeks before (see GrowthRule)."""
        week = period.start - timedelta(days=period.start.weekday())
        start = week - timedelta(weeks=self.rule.baseline_weeks)
        weekly: dict[str, dict] = {}
        bounds = {"start": start, "end": week + timedelta(days=7)}
        for r in self.ch.rows(sql("weekly_counts"),
                              {"dim": _dim(dim, GROWTH_DIMENSIONS), **bounds}):
            weekly.setdefault(r["value"], {})[r["week"]] = r["n"]
        found = []
        for spike in spikes(weekly, week, self.rule):
            appeals = self.ch.rows(sql("spike_appeals"), {
                "dim": dim, "value": spike.value, "start": week,
                "end": week + timedelta(days=7), "limit": limit})
            found.append(asdict(spike) | {"dimension": dim, "appeals": appeals})
        return found

    def workload(self, period: Period) -> dict:
        return {"blocks": self.ch.rows(sql("workload_blocks"), _range(period)),
                "executors": self.ch.rows(sql("workload_executors"), _range(period))}

    def satisfaction(self, period: Period) -> dict:
        rows = self.ch.rows(sql("satisfaction"), _range(period))
        total = sum(r["n"] for r in rows)
        return {"distribution": {r["rating"]: r["n"] for r in rows}, "ratings": total,
                "satisfied_share": round(sum(r["satisfied"] for r in rows) / total, 3)
                if total else None}

    def worst_overdue(self, now: datetime, limit: int = 10) -> list[dict]:
        return self.ch.rows(sql("worst_overdue"), {"now": now, "limit": limit})

