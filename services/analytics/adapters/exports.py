"""Exports for the regional center: the same indicators as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from services.analytics.domain.indicators import Period
from services.analytics.adapters.reports import Reports

SHEETS = {
    "counts_by_topic": ("Тема", lambda r, p, s: r.counts(p, "topic", scope=s)),
    "counts_by_territory": ("Территория", lambda r, p, s: r.counts(p, "territory", scope=s)),
    "counts_by_recipient": ("Получатель", lambda r, p, s: r.counts(p, "recipient_id", scope=s)),
    "counts_by_channel": ("Канал", lambda r, p, s: r.counts(p, "channel", scope=s)),
    "rating": ("Рейтинг", lambda r, p, s: r.rating(p, scope=s)),
    "heatmap": ("Тепловая карта", lambda r, p, s: r.heatmap(p, scope=s)),
}


def tables(reports: Reports, period: Period, names: Iterable[str] | None = None,
           scope: Sequence[str] | None = None) -> dict[str, list[dict]]:
    """The named tables (all by default) over the scope's municipalities; only these are
    queried."""
    return {name: SHEETS[name][1](reports, period, scope) for name in names or SHEETS}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """A cell value a spreadsheet will not run: text that starts like a formula (a topic
    or territory is free text from the channels) gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: ("" if v is None else neutralised(v)) for k, v in r.items()}
                         for r in rows)
    return buffer.getvalue()


def to_xlsx(data: dict[str, list[dict]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in data.items():
        sheet = book.create_sheet(SHEETS[name][0][:31])
        if rows:
            sheet.append(list(rows[0]))
            for r in rows:
                sheet.append([neutralised(v if isinstance(v, int | float | str) or v is None
                                          else str(v)) for v in r.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
