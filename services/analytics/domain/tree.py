"""The deployment's tree as analytics needs it: each municipality's region and time zone
(its days are its own), the municipality events from before tenancy belong to, and who
may see which municipalities' rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{\{local_day:(\w+):(.+?)\}\}")


@dataclass(frozen=True)
class Tree:
    legacy: str
    zones: dict[str, str]  # municipality -> IANA zone
    regions: dict[str, str]  # municipality -> region
    names: dict[str, str] = field(default_factory=dict)  # municipality or region -> name
    population: dict[str, int] = field(default_factory=dict)
    recipients: dict[str, dict[str, str]] = field(default_factory=dict)  # municipality ->
    # organisation id -> its name (a head reads «Управление ЖКХ», not adm-gkh)

    @classmethod
    def one(cls, zone: str, municipality: str = "municipality") -> Tree:
        """A deployment of one municipality (as before tenancy)."""
        return cls(municipality, {municipality: zone}, {municipality: "region"})

    @property
    def parameters(self) -> dict:
        """What the projection's SQL binds: the legacy municipality and the regions."""
        ids = sorted(self.regions)
        return {"legacy": self.legacy, "municipalities": ids,
                "regions": [self.regions[m] for m in ids]}

    def local_day_sql(self, column: str, municipality: str) -> str:
        """`toDate(column, zone)` in the zone of the row's municipality (ClickHouse takes a
        constant zone: one branch per zone, the legacy municipality's zone the default)."""
        default = self.zones[self.legacy]
        by_zone: dict[str, list[str]] = {}
        for m, zone in sorted(self.zones.items()):
            if zone != default:
                by_zone.setdefault(zone, []).append(m)
        if not by_zone:
            return f"toDate({column}, '{default}')"
        branches = ", ".join(
            f"has([{', '.join(_quoted(m) for m in ms)}], {municipality}), "
            f"toDate({column}, '{zone}')" for zone, ms in sorted(by_zone.items()))
        return f"multiIf({branches}, toDate({column}, '{default}'))"

    def written(self, sql: str) -> str:
        """The SQL with each `{{local_day:column:municipality}}` written out."""
        return _PLACEHOLDER.sub(lambda m: self.local_day_sql(m.group(1), m.group(2)), sql)


def _quoted(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", value):
        raise ValueError(f"municipality id {value!r}")
    return f"'{value}'"
