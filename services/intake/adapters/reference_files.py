"""What intake offers the administrators (kit.reference_admin): the rubricator, one for the
whole deployment (topics, thematic blocks, territories, the rules that find them)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from kit.reference_admin import EditableFile
from services.intake.classification import rubricator

NOTE = ("Новая редакция классифицирует обращения, поступившие после неё, и меняет список "
        "тем Open311; уже зарегистрированные обращения сохраняют свою тему.")


def editable(path: Path) -> list[EditableFile]:
    return [EditableFile("rubricator", "rubricator", "Рубрикатор: темы, блоки, территории",
                         path, "rubricator", frozenset(), partial(_check, path.name), NOTE)]


def _check(name: str, text: str) -> rubricator.Rubricator:
    return rubricator.parse(text, f"рубрикатор {name}")
