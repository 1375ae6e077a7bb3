"""The analytics service's use cases over its ClickHouse engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.domain.indicators import GrowthRule, Period, RatingFormula
from services.analytics.adapters.projection import Projector
from services.analytics.adapters.reports import Reports


class Analytics:
    def __init__(self, ch: ClickHouse, zone: ZoneInfo, formula: RatingFormula,
                 rule: GrowthRule = GrowthRule()):
        self.ch = ch
        self.zone = zone
        self.reports = Reports(ch, formula, rule)
        self.projector = Projector(ch, zone)

    def _daily(self, period: Period) -> list[dict]:
        """Every day of the period in order, days without appeals as zeros."""
        found = {r["value"]: r for r in self.reports.counts(period, "day")}
        zero = {"new": 0, "repeat": 0, "overdue": 0, "postponed": 0, "answered": 0}
        return [found.get(day, zero | {"value": day})
                for day in (period.start + timedelta(days=n) for n in range(period.days))]

    def memo_data(self, week: str, now: datetime | None = None) -> dict:
        """Everything the weekly memo shows, for one ISO week."""
        period = Period.iso_week(week)
        previous = period.previous()
        return {
            "week": week, "period": period, "previous": previous,
            "totals": self.reports.totals(period), "totals_previous": self.reports.totals(previous),
            "trend": self._daily(Period.of(period.start - (period.end - period.start) * 3,
                                           period.end)),
            "by_block": self.reports.counts(period, "thematic_block"),
            "by_channel": self.reports.counts(period, "channel"),
            "rating": self.reports.rating(period),
            "heatmap": self.reports.heatmap(period),
            "growth_topics": self.reports.growth_factors(period, "topic"),
            "growth_territories": self.reports.growth_factors(period, "territory"),
            "worst_overdue": self.reports.worst_overdue(now or datetime.now(UTC)),
            "workload": self.reports.workload(period),
            "satisfaction": self.reports.satisfaction(period),
            "formula": self.reports.formula, "rule": self.reports.rule,
        }
