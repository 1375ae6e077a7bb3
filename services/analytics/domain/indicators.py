"""Pure indicator logic: periods, the rating formula, the growth-factor rule."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta


class IndicatorError(ValueError):
    code = "invalid_parameters"


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # exclusive

    @classmethod
    def iso_week(cls, text: str) -> Period:
        match = re.fullmatch(r"(\d{4})-W(\d{2})", text.strip())
        if not match:
            raise IndicatorError(f"неделя «{text}» не распознана: ожидается, например, 2026-W47")
        try:
            monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise IndicatorError(f"в {match.group(1)} году нет недели {match.group(2)}") from None
        return cls(monday, monday + timedelta(days=7))

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2026-W47` (an ISO week) or `2026-11-16..2026-11-22` (days, both included)."""
        first, dots, last = text.strip().partition("..")
        if not dots:
            return cls.iso_week(text)
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError:
            raise IndicatorError(f"период «{text}» не распознан: ожидается, например,"
                                 " 2026-11-16..2026-11-22") from None
        return cls.of(start, end + timedelta(days=1))

    @classmethod
    def of(cls, start: date, end: date) -> Period:
        if end <= start:
            raise IndicatorError("конец периода должен быть позже начала")
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start)

    def label(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.start:%d.%m.%Y}–{last:%d.%m.%Y}"


@dataclass(frozen=True)
class RatingFormula:
    """Weights of the rating's components; the file (adapters/rating_file.py) sets them."""

    timeliness: float
    completeness: float
    quality: float
    min_appeals: int


@dataclass(frozen=True)
class RatingRow:
    recipient_id: str
    appeals: int
    answered: int
    on_time: int
    late: int
    overdue_open: int
    mean_late_hours: float
    reworks: int
    reopenings: int
    ratings: int
    mean_rating: float | None
    timeliness: float
    completeness: float
    quality: float
    score: float
    rank: int | None  # None: too few appeals to rank
    municipality: str = ""


def rating_rows(components: list[dict], formula: RatingFormula) -> list[RatingRow]:
    """Score = weighted mean of the three shares × 100; each share stays visible."""
    total = formula.timeliness + formula.completeness + formula.quality
    rows = []
    for c in components:
        appeals, answered = c["appeals"], c["answered"]
        timely_base = answered + c["overdue_open"]
        timeliness = c["on_time"] / timely_base if timely_base else 1.0
        completeness = answered / appeals if appeals else 0.0
        rework_rate = min((c["reworks"] + c["reopenings"]) / answered, 1.0) if answered else 0.0
        quality = 1.0 - rework_rate
        if c["ratings"]:
            quality = (quality + c["satisfied"] / c["ratings"]) / 2
        score = 100 * (formula.timeliness * timeliness + formula.completeness * completeness
                       + formula.quality * quality) / total
        late_seconds = c["mean_late_seconds"]
        rows.append(RatingRow(
            c["recipient_id"], appeals, answered, c["on_time"], c["late"], c["overdue_open"],
            round(late_seconds / 3600, 1) if late_seconds and not math.isnan(late_seconds) else 0.0,
            c["reworks"], c["reopenings"], c["ratings"],
            round(c["mean_rating"], 2) if c["ratings"] else None,
            round(timeliness, 3), round(completeness, 3), round(quality, 3), round(score, 1),
            None, c.get("municipality", "")))
    ranked = sorted((r for r in rows if r.appeals >= formula.min_appeals),
                    key=lambda r: (-r.score, -r.appeals, r.recipient_id))
    ranks = {(r.municipality, r.recipient_id): i for i, r in enumerate(ranked, start=1)}
    return sorted((RatingRow(**{**r.__dict__, "rank": ranks.get((r.municipality, r.recipient_id))})
                   for r in rows),
                  key=lambda r: (r.rank is None, r.rank or 0, r.recipient_id))


@dataclass(frozen=True)
class GrowthRule:
    """A value spikes when its week's count is at least `min_count` and exceeds its own
    usual level: mean of the `baseline_weeks` before + `z` × max(std, √mean, 1)."""

    baseline_weeks: int = 8
    z: float = 3.0
    min_count: int = 5


@dataclass(frozen=True)
class Spike:
    value: str
    count: int
    baseline_mean: float
    baseline_std: float
    threshold: float
    score: float  # (count − mean) / spread


def spikes(weekly: dict[str, dict[date, int]], week: date, rule: GrowthRule) -> list[Spike]:
    """Values whose count in `week` is abnormal against their own previous weeks."""
    baseline_weeks = [week - timedelta(weeks=i) for i in range(1, rule.baseline_weeks + 1)]
    found = []
    for value, counts in weekly.items():
        current = counts.get(week, 0)
        if current < rule.min_count:
            continue
        history = [counts.get(w, 0) for w in baseline_weeks]
        mean = sum(history) / len(history)
        std = math.sqrt(sum((h - mean) ** 2 for h in history) / len(history))
        spread = max(std, math.sqrt(mean), 1.0)
        threshold = mean + rule.z * spread
        if current > threshold:
            found.append(Spike(value, current, round(mean, 2), round(std, 2), round(threshold, 2),
                               round((current - mean) / spread, 2)))
    return sorted(found, key=lambda s: (-s.score, s.value))


def growth(current: int, previous: int) -> float | None:
    """Relative change; None when there was nothing before (a new cell)."""
    return None if previous == 0 else round((current - previous) / previous, 3)
