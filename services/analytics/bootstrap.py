"""Composition root of the analytics service: it owns the ClickHouse engine."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from kit.directory import Directory
from kit.reference_files import named_by
from kit.runtime import Running, Service, until_stopped
from kit.settings import Settings
from kit.staff import StaffTokenFirst, directory_of
from services.analytics.adapters import rating_file, revisions
from services.analytics.adapters.analyst_sql import AnalystSql
from services.analytics.adapters.clickhouse import ClickHouse, dsn_for
from services.analytics.application import Analytics
from services.analytics.entrypoints.http import router
from services.analytics.entrypoints.ingest import Ingestor

log = logging.getLogger("mcu.analytics")


def open_analytics(settings: Settings, directory: Directory) -> Analytics:
    """The engine, migrated; days are the municipality's (the directory's time zone); the
    rating formula validated (a broken file names MCU_ANALYTICS_RATING) and recorded as a
    revision when it changed."""
    path = settings.analytics_rating or rating_file.SHIPPED_RATING
    with named_by("MCU_ANALYTICS_RATING", path):
        formula, data = rating_file.load(path)
    ch = ClickHouse(dsn_for(settings))
    for name in ch.migrate():
        log.info("migration applied", extra={"path": name})
    revision, changed = revisions.record(ch, "rating", data)
    if changed:
        log.info(f"rating: версия {revision.number} ({revision.digest})")
    return Analytics(ch, ZoneInfo(directory.timezone), formula)


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    directory = directory_of(settings)  # a refused directory opens no engine
    analytics = open_analytics(settings, directory)
    ingestor = Ingestor(analytics.projector, settings.log_topic, settings.dlq_topic,
                        settings.kafka_bootstrap, batch_size=5000)

    async def ingest(run: Running) -> None:
        await until_stopped(run, ingestor)

    analyst_sql = AnalystSql(analytics.ch)

    def close() -> None:
        analyst_sql.close()
        analytics.ch.close()

    return Service("analytics", settings,
                   routers=[router(analytics, directory, analyst_sql)],
                   background=[ingest], title_ru="МЦУ: аналитика", on_close=close,
                   middleware=[(StaffTokenFirst, {"directory": directory})])
