"""«Инцидент Менеджмент» exports (CSV or XLSX): social-media posts, kind `social`.

The columns are those of a real export (incident number, department, topic group and
topic, municipality, settlement, creation time …) plus the post's text and URL. Rows that
cannot be used are reported one by one, naming the row and the reason; the others are
imported (the import is a report, not all-or-nothing).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.vocabulary import Channel, Kind
from services.intake.domain.commands import RegisterAppeal

NUMBER = ("Номер инцидента", "ID")
TEXT = ("Текст", "Текст сообщения", "Текст поста", "Текст публикации")
URL = ("Ссылка", "Ссылка на пост", "URL", "URL поста")
REQUIRED = {"номер инцидента": NUMBER, "текст": TEXT, "дата создания": ("Дата создания",)}


class ImportFileError(ValueError):
    code = "invalid_import_file"


@dataclass
class ImportReport:
    commands: list[tuple[int, RegisterAppeal]] = field(default_factory=list)  # (row, command)
    errors: list[str] = field(default_factory=list)


def _first(row: dict[str, str], names: tuple[str, ...]) -> str:
    return next(((row.get(n) or "").strip() for n in names if (row.get(n) or "").strip()), "")


def read_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8 or Windows-1251) or XLSX export as dicts by column title."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception:  # noqa: BLE001 - any broken workbook
            raise ImportFileError(f"{filename}: не удаётся прочитать как XLSX") from None
        values = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
        header, body = (values[0], values[1:]) if values else ([], [])
        return [dict(zip(header, r, strict=False)) for r in body]
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(f"{filename}: кодировка не UTF-8 и не Windows-1251")
    if "\x00" in text or "\ufffd" in text:
        raise ImportFileError(f"{filename}: файл не похож на текстовый CSV")
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))


def parse(content: bytes, filename: str, zone: ZoneInfo) -> ImportReport:
    rows = read_rows(content, filename)
    if not rows:
        raise ImportFileError(f"{filename}: в файле нет строк с данными")
    columns = set(rows[0])
    missing = [name for name, options in REQUIRED.items() if not columns & set(options)]
    if missing:
        raise ImportFileError(f"{filename}: нет колонок: {', '.join(missing)} "
                              f"(есть: {', '.join(sorted(c for c in columns if c))})")
    report = ImportReport()
    for n, row in enumerate(rows, start=2):
        if not any((v or "").strip() for v in row.values()):
            report.errors.append(f"строка {n}: пустая строка")
            continue
        number, text = _first(row, NUMBER), _first(row, TEXT)
        if not number:
            report.errors.append(f"строка {n}: нет номера инцидента")
            continue
        if not text:
            report.errors.append(f"строка {n} (инцидент {number}): нет текста публикации")
            continue
        try:
            created = datetime.fromisoformat(_first(row, ("Дата создания",)))
        except ValueError:
            report.errors.append(f"строка {n} (инцидент {number}): дата создания не распознана")
            continue
        url = _first(row, URL)
        report.commands.append((n, RegisterAppeal(
            channel=Channel.INCIDENT, external_id=number, kind=Kind.SOCIAL,
            text=text if not url else f"{text}\n\nИсточник: {url}",
            topic=_first(row, ("Тема",)) or None,
            territory=_first(row, ("Населенный пункт", "Муниципалитет")) or None,
            received_at=created if created.tzinfo else created.replace(tzinfo=zone))))
    return report
