"""The notices' templates file (MCU_INTAKE_NOTICES; default: the shipped one), read and
checked as services.intake.domain.notices says."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from services.intake.domain.notices import NoticeTemplates, parse

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "notices.yaml"


def load(path: Path) -> NoticeTemplates:
    return parse(path.read_text(encoding="utf-8"), f"уведомления {path.name}")


@cache
def shipped() -> NoticeTemplates:
    return load(DEFAULT_FILE)
