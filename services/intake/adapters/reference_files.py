"""What intake offers the administrators (kit.reference_admin): the rubricator, one for the
whole deployment (topics, thematic blocks, territories, the rules that find them)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from kit.reference_admin import EditableFile
from services.intake.classification import rubricator
from services.intake.domain import notices

NOTE = ("Новая редакция классифицирует обращения, поступившие после неё, и меняет список "
        "тем Open311; уже зарегистрированные обращения сохраняют свою тему.")


NOTICES_NOTE = ("Новая редакция действует для уведомлений, отправленных после неё; "
                "отправленные уведомления не меняются.")


def editable(path: Path, notices_path: Path) -> list[EditableFile]:
    return [EditableFile("rubricator", "rubricator", "Рубрикатор: темы, блоки, территории",
                         path, "rubricator", frozenset(), partial(_check, path.name), NOTE),
            EditableFile("notices", "notices", "Уведомления заявителям по 59-ФЗ",
                         notices_path, "notices", frozenset(),
                         partial(_check_notices, notices_path.name), NOTICES_NOTE)]


def _check_notices(name: str, text: str) -> notices.NoticeTemplates:
    return notices.parse(text, f"уведомления {name}")


def _check(name: str, text: str) -> rubricator.Rubricator:
    return rubricator.parse(text, f"рубрикатор {name}")
