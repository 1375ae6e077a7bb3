"""Composition root of the analytics service: it owns the ClickHouse engine."""

from __future__ import annotations

import logging

from kit.deployment import Deployment
from kit.reference_files import named_by
from kit.runtime import Running, Service, until_stopped
from kit.settings import Settings
from kit.reference_watch import ReferenceWatch, watching
from kit.staff import StaffTokenFirst, deployment_files, deployment_of, fresh_deployment
from services.analytics.adapters import rating_file, revisions
from services.analytics.adapters.analyst_sql import AnalystSql
from services.analytics.adapters.clickhouse import ClickHouse, dsn_for
from services.analytics.application import Analytics
from services.analytics.domain.tree import Tree
from services.analytics.entrypoints.http import router
from services.analytics.entrypoints.ingest import Ingestor

log = logging.getLogger("mcu.analytics")


def tree_of(deployment: Deployment) -> Tree:
    ms = deployment.municipalities.values()
    return Tree(deployment.legacy_municipality, {m.id: m.timezone for m in ms},
                {m.id: m.region for m in ms},
                {**{m.id: m.name for m in ms},
                 **{r.id: r.name for r in deployment.regions.values()}},
                {m.id: m.population for m in ms if m.population},
                {m.id: {o.id: o.name for o in m.directory.organizations.values()} for m in ms})


def open_analytics(settings: Settings, deployment: Deployment) -> Analytics:
    """The engine, migrated; each municipality's days are its own (its time zone); the
    rating formula validated (a broken file names MCU_ANALYTICS_RATING) and recorded as a
    revision when it changed."""
    path = settings.analytics_rating or rating_file.SHIPPED_RATING
    with named_by("MCU_ANALYTICS_RATING", path):
        formula, data = rating_file.load(path)
    ch = ClickHouse(dsn_for(settings))
    tree = tree_of(deployment)
    legacy = {"legacy": tree.legacy, "legacy_region": tree.regions[tree.legacy]}
    for name in ch.migrate(legacy):
        log.info("migration applied", extra={"path": name})
    revision, changed = revisions.record(ch, "rating", data)
    if changed:
        log.info(f"rating: версия {revision.number} ({revision.digest})")
    return Analytics(ch, tree, formula)


def reference_watch(settings: Settings, analytics: Analytics, live) -> ReferenceWatch:
    """The deployment's files, loaded again when one changes: its staff's tokens and its
    organisations' names (the memo's) from then on."""

    def reload(by: str | None) -> list[str]:
        live.swap(live.checked(fresh_deployment(settings)))
        analytics.tree.recipients.clear()
        analytics.tree.recipients.update(tree_of(live.current).recipients)
        return []

    return ReferenceWatch(lambda: deployment_files(settings, live.current), reload)


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    deployment = deployment_of(settings)  # a refused deployment opens no engine
    analytics = open_analytics(settings, deployment)
    ingestor = Ingestor(analytics.projector, settings.log_topic, settings.dlq_topic,
                        settings.kafka_bootstrap, batch_size=5000)

    async def ingest(run: Running) -> None:
        await until_stopped(run, ingestor)

    analyst_sql = AnalystSql(analytics.ch)

    def close() -> None:
        analyst_sql.close()
        analytics.ch.close()

    return Service("analytics", settings,
                   routers=[router(analytics, deployment, analyst_sql,
                                   settings.address_of("audit"))],
                   background=[ingest], title_ru="МЦУ: аналитика", on_close=close,
                   every_process=[watching(reference_watch(settings, analytics, deployment))],
                   middleware=[(StaffTokenFirst, {"directory": deployment})])
