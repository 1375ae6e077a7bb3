"""Composition root of the analytics service (ingest arrives with its own issue)."""

from __future__ import annotations

from kit.runtime import Service
from kit.settings import Settings


def build(settings: Settings | None = None) -> Service:
    return Service("analytics", settings or Settings(), title_ru="МЦУ: аналитика")
