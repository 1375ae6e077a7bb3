"""«Инцидент Менеджмент» exports (CSV or XLSX): social-media posts, kind `social`.

The columns are those of a real export (incident number, department, topic group and
topic, municipality, settlement, creation time …) plus the post's text and URL. Rows that
cannot be used are reported one by one, naming the row and the reason; the others are
imported (the import is a report, not all-or-nothing). A file is bounded in rows and
columns, and a workbook also in what it unpacks to, before any of it is read into memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from collections.abc import Callable
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from contracts.vocabulary import Channel, Kind
from kit.validation import field_errors
from services.intake.domain.commands import RegisterAppeal

NUMBER = ("Номер инцидента", "ID")
TEXT = ("Текст", "Текст сообщения", "Текст поста", "Текст публикации")
URL = ("Ссылка", "Ссылка на пост", "URL", "URL поста")
REQUIRED = {"номер инцидента": NUMBER, "текст": TEXT, "дата создания": ("Дата создания",)}
MAX_ROWS = 50_000
MAX_COLUMNS = 100
MAX_UNPACKED = 200 * 1024 * 1024  # bytes a workbook may unpack to (its XML is mostly markup)


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
    table = _xlsx_rows(content, filename) if filename.lower().endswith(".xlsx") else \
        _csv_rows(content, filename)
    header = next(table, None)
    if header is None:
        return []
    header = _trimmed(["" if v is None else str(v).strip() for v in header])
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(f"{filename}: колонок больше {MAX_COLUMNS}")
    rows = []
    for values in table:
        if len(rows) == MAX_ROWS:
            raise ImportFileError(f"{filename}: строк больше {MAX_ROWS:,}; разделите выгрузку"
                                  .replace(",", " "))
        cells = _trimmed(["" if v is None else str(v) for v in values])
        row = dict(zip(header, cells, strict=False))
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            row[EXTRA] = "да"  # more fields than the header names: the row is broken
        rows.append(row)
    return rows


EXTRA = "\x00extra"  # marks a row with more fields than columns


def _trimmed(cells: list[str]) -> list[str]:
    """Without the empty cells at the end (a workbook pads rows to its widest)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _xlsx_rows(content: bytes, filename: str):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(f"{filename}: не удаётся прочитать как XLSX") from None
    if unpacked > MAX_UNPACKED:
        raise ImportFileError(f"{filename}: книга распаковывается в {unpacked // 2**20} МБ,"
                              f" допустимо {MAX_UNPACKED // 2**20} МБ")
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        # the size the sheet declares (A1:XFD1048576 would pad ~10^10 empty cells) is not
        # believed: the rows are read as they are stored, and no wider than allowed
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - any broken workbook
        raise ImportFileError(f"{filename}: не удаётся прочитать как XLSX") from None


def _csv_rows(content: bytes, filename: str):
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
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)  # the header's separator (Excel uses «;»)
    try:
        yield from csv.reader(io.StringIO(text), delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileError(f"{filename}: файл не разобрать как CSV ({exc})") from None


def parse(content: bytes, filename: str,
          zone: ZoneInfo | Callable[[str | None], ZoneInfo]) -> ImportReport:
    """The export's rows as registrations; a time without a zone is read in `zone`, or in
    the zone `zone(municipality column)` gives (each row's own municipality's)."""
    zone_of = zone if callable(zone) else (lambda _: zone)
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
        if row.pop(EXTRA, None):
            report.errors.append(f"строка {n}: полей больше, чем колонок в заголовке")
            continue
        if not any(v.strip() for v in row.values()):
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
        try:
            report.commands.append((n, RegisterAppeal(
                channel=Channel.INCIDENT, external_id=number, kind=Kind.SOCIAL,
                text=text if not url else f"{text}\n\nИсточник: {url}",
                topic=_first(row, ("Тема",)) or None,
                territory=_first(row, ("Населенный пункт", "Муниципалитет")) or None,
                addressed_to=_first(row, ("Муниципалитет",)) or None,
                received_at=created if created.tzinfo else created.replace(
                    tzinfo=zone_of(_first(row, ("Муниципалитет",)) or None)))))
        except ValidationError as exc:
            reasons = "; ".join(f"{e['field']}: {e['reason']}" for e in field_errors(exc.errors()))
            report.errors.append(f"строка {n} (инцидент {number}): {reasons}")
    return report
