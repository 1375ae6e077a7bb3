"""The management-information queries: bound parameters, one .sql file per purpose."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from contracts.events.workflow import SATISFIED_FROM
from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.domain.tree import Tree
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


Scope = Sequence[str] | None  # the municipalities whose rows count (None: the whole tree)


class Reports:
    """Every indicator over a scope of municipalities: a municipality's staff see theirs, a
    region's its municipalities (the HTTP doors pass the caller's reach)."""

    def __init__(self, ch: ClickHouse, formula: RatingFormula, rule: GrowthRule,
                 tree: Tree | None = None):
        self.ch = ch
        self.formula = formula
        self.rule = rule
        self.tree = tree or Tree.one("Europe/Moscow")

    def _in(self, scope: Scope) -> dict:
        return {"scope": sorted(self.tree.zones) if scope is None else sorted(scope)}

    def counts(self, period: Period, dim: str, scope: Scope = None) -> list[dict]:
        return self.ch.rows(sql("counts"), {**_range(period), "dim": _dim(dim),
                                            **self._in(scope)})

    def totals(self, period: Period, scope: Scope = None) -> dict:
        rows = self.counts(period, "kind", scope)
        keys = ("new", "repeat", "overdue", "postponed", "answered")
        return {k: sum(r[k] for r in rows) for k in keys}

    def rating(self, period: Period, scope: Scope = None) -> list[dict]:
        components = self.ch.rows(sql("rating"), {**_range(period), **self._in(scope),
                                                  "satisfied_from": SATISFIED_FROM})
        return [asdict(r) for r in rating_rows(components, self.formula)]

    def heatmap(self, period: Period, scope: Scope = None) -> list[dict]:
        prev = period.previous()
        rows = self.ch.rows(sql("heatmap"), {**_range(period), "prev_start": prev.start,
                                             **self._in(scope)})
        return [r | {"growth": growth(r["current"], r["previous"])} for r in rows]

    def growth_factors(self, period: Period, dim: str = "topic", limit: int = 20,
                       scope: Scope = None) -> list[dict]:
        """Spikes of the period's week against the weeks before (see GrowthRule)."""
        week = period.start - timedelta(days=period.start.weekday())
        start = week - timedelta(weeks=self.rule.baseline_weeks)
        weekly: dict[str, dict] = {}
        bounds = {"start": start, "end": week + timedelta(days=7), **self._in(scope)}
        for r in self.ch.rows(sql("weekly_counts"),
                              {"dim": _dim(dim, GROWTH_DIMENSIONS), **bounds}):
            weekly.setdefault(r["value"], {})[r["week"]] = r["n"]
        found = []
        for spike in spikes(weekly, week, self.rule):
            appeals = self.ch.rows(sql("spike_appeals"), {
                "dim": dim, "value": spike.value, "start": week,
                "end": week + timedelta(days=7), "limit": limit, **self._in(scope)})
            found.append(asdict(spike) | {"dimension": dim, "appeals": appeals})
        return found

    def workload(self, period: Period, scope: Scope = None) -> dict:
        bounds = {**_range(period), **self._in(scope)}
        return {"blocks": self.ch.rows(sql("workload_blocks"), bounds),
                "executors": self.ch.rows(sql("workload_executors"), bounds)}

    def satisfaction(self, period: Period, scope: Scope = None) -> dict:
        rows = self.ch.rows(sql("satisfaction"), {**_range(period), **self._in(scope)})
        total = sum(r["n"] for r in rows)
        return {"distribution": {r["rating"]: r["n"] for r in rows}, "ratings": total,
                "satisfied_share": round(sum(r["satisfied"] for r in rows) / total, 3)
                if total else None}

    def delivery(self, period: Period, scope: Scope = None) -> list[dict]:
        """Answers published in the period: delivered, on the way, failed once or more, and
        hours from publication to delivery, per channel they went through."""
        rows = self.ch.rows(sql("delivery"), {**_range(period), **self._in(scope)})
        for r in rows:  # no delivery yet: no time to show, not a zero
            if not r["delivered"]:
                r["median_hours"] = r["p90_hours"] = None
        return rows

    def worst_overdue(self, now: datetime, limit: int = 10, scope: Scope = None) -> list[dict]:
        return self.ch.rows(sql("worst_overdue"), {"now": now, "limit": limit,
                                                   **self._in(scope)})

    def municipalities(self, period: Period, scope: Scope = None) -> list[dict]:
        """The region's rating of its municipal MCUs: volume (per 1,000 residents where the
        population is known), timeliness, completeness, applicants' satisfaction."""
        rows = self.ch.rows(sql("municipalities"), {**_range(period), **self._in(scope),
                                                    "satisfied_from": SATISFIED_FROM})
        for r in rows:
            people = self.tree.population.get(r["municipality"])
            r["name"] = self.tree.names.get(r["municipality"], r["municipality"])
            r["per_1000"] = round(1000 * r["appeals"] / people, 2) if people else None
            base = r["answered"] + r["overdue_open"]
            r["timeliness"] = round(r["on_time"] / base, 3) if base else None
            r["completeness"] = round(r["answered"] / r["appeals"], 3) if r["appeals"] else None
            r["satisfaction"] = round(r["satisfied"] / r["ratings"], 3) if r["ratings"] else None
        return rows

