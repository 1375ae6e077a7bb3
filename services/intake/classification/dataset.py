"""Reading labelled CSV files (`text, topic, category, recipient`) with clear errors."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


class DatasetError(ValueError):
    code = "invalid_dataset"


@dataclass(frozen=True)
class Dataset:
    ids: list[str]
    texts: list[str]
    labels: dict[str, list[str]]


def read(path: Path, require: tuple[str, ...] = ("text",)) -> Dataset:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"не удалось прочитать {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: файл не в кодировке UTF-8 (сохраните как CSV UTF-8)") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in require if c not in (reader.fieldnames or [])]
    if missing:
        raise DatasetError(f"{path}: нет колонок {', '.join(missing)}; есть: "
                           f"{', '.join(reader.fieldnames or []) or 'ничего'}")
    ids, texts, labels = [], [], {"topic": [], "category": [], "recipient": []}
    for n, row in enumerate(reader, start=2):
        if not (row.get("text") or "").strip():
            raise DatasetError(f"{path}, строка {n}: пустой текст")
        ids.append(row.get("id") or str(n - 1))
        texts.append(row["text"])
        for target in labels:
            labels[target].append((row.get(target) or "").strip())
    if not texts:
        raise DatasetError(f"{path}: нет ни одной строки с данными")
    return Dataset(ids, texts, labels)
