"""The analytics service's use cases over its ClickHouse engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.domain.indicators import GrowthRule, Period, RatingFormula
from services.analytics.adapters.projection import Projector
from services.analytics.adapters.reports import Reports, Scope
from services.analytics.domain.tree import Tree


class Analytics:
    def __init__(self, ch: ClickHouse, tree: Tree | ZoneInfo, formula: RatingFormula,
                 rule: GrowthRule = GrowthRule()):
        """`tree`: the deployment's (a zone alone: a deployment of one municipality)."""
        self.ch = ch
        self.tree = tree if isinstance(tree, Tree) else Tree.one(tree.key)
        self.reports = Reports(ch, formula, rule, self.tree)
        self.projector = Projector(ch, self.tree)

    def _daily(self, period: Period, scope: Scope = None) -> list[dict]:
        """Every day of the period in order, days without appeals as zeros."""
        found = {r["value"]: r for r in self.reports.counts(period, "day", scope)}
        zero = {"new": 0, "repeat": 0, "overdue": 0, "postponed": 0, "answered": 0}
        return [found.get(day, zero | {"value": day})
                for day in (period.start + timedelta(days=n) for n in range(period.days))]

    def memo_data(self, week: str, now: datetime | None = None, scope: Scope = None) -> dict:
        """Everything the weekly memo shows, for one ISO week, over a municipality or a
        region's municipalities (`scope`; None: the whole deployment)."""
        period = Period.iso_week(week)
        previous = period.previous()
        r = self.reports
        return {
            "week": week, "period": period, "previous": previous,
            "addressee": self._addressee(scope),
            "municipality_names": {m: self.tree.names.get(m, m) for m in (
                sorted(self.tree.zones) if scope is None else sorted(scope))},
            "recipient_names": self.tree.recipients,
            "totals": r.totals(period, scope), "totals_previous": r.totals(previous, scope),
            "trend": self._daily(Period.of(period.start - (period.end - period.start) * 3,
                                           period.end), scope),
            "by_block": r.counts(period, "thematic_block", scope),
            "by_channel": r.counts(period, "channel", scope),
            "rating": r.rating(period, scope),
            "municipalities": r.municipalities(period, scope)
            if scope is None or len(scope) > 1 else [],
            "heatmap": r.heatmap(period, scope),
            "growth_topics": r.growth_factors(period, "topic", scope=scope),
            "growth_territories": r.growth_factors(period, "territory", scope=scope),
            "worst_overdue": r.worst_overdue(now or datetime.now(UTC), scope=scope),
            "workload": r.workload(period, scope),
            "satisfaction": r.satisfaction(period, scope),
            "formula": r.formula, "rule": r.rule,
        }

    def week_end(self, week: str, scope: Scope = None, now: datetime | None = None
                 ) -> datetime:
        """The memo's moment of witness: the week's end at midnight in its (first)
        municipality's time, or now for a week not over yet."""
        chosen = sorted(self.tree.zones) if scope is None else sorted(scope)
        zone = ZoneInfo(self.tree.zones.get(chosen[0], "Europe/Moscow") if chosen
                        else "Europe/Moscow")
        end = datetime.combine(Period.iso_week(week).end, datetime.min.time(), zone)
        return min(end, (now or datetime.now(UTC)).astimezone(zone))

    def _addressee(self, scope: Scope) -> str:
        """Whose memo it is: the municipality's name, or the region's for several."""
        chosen = sorted(self.tree.zones) if scope is None else sorted(scope)
        if len(chosen) == 1:
            return self.tree.names.get(chosen[0], "")
        regions = {self.tree.regions.get(m) for m in chosen}
        return self.tree.names.get(regions.pop(), "") if len(regions) == 1 else ""
