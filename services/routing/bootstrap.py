"""Composition root of the routing service."""

from __future__ import annotations

import asyncio
import gc
import logging

from kit import reference_http
from kit.privacy import redactor
from kit.reference_watch import ReferenceWatch, watching
from kit.runtime import Running, Service
from kit.reference_files import named_by
from kit.settings import Settings
from kit.deployment import Deployment
from kit.staff import StaffTokenFirst, deployment_files, deployment_of, fresh_deployment
from kit.stores import store_environment
from services.routing.adapters.reference_files import (SHIPPED_RULES, editable, load_rules,
                                                       parse_rules)
from services.routing.domain.autorules import RuleBook
from services.routing.application import RoutingApplication
from services.routing.entrypoints.http import router
from services.routing.entrypoints import recheck_http

log = logging.getLogger("mcu.routing")


def autorules(deployment: Deployment) -> tuple[dict[str, RuleBook], dict[str, dict]]:
    """Each municipality's autorules, checked against its own directory. A municipality of
    a deployment file that names none routes everything to its MCU's coordinators; a
    deployment of one directory alone uses the shipped demo rules when none is set."""
    books, data = {}, {}
    for m in deployment.municipalities.values():
        path = m.autorules or (SHIPPED_RULES if deployment.source is None else None)
        if path is None:
            books[m.id], data[m.id] = parse_rules({"rules": []}, m.directory), {"rules": []}
            continue
        setting = "MCU_DEPLOYMENT" if deployment.source else "MCU_ROUTING_AUTORULES"
        with named_by(setting, path):
            books[m.id], data[m.id] = load_rules(m.directory, path)
    return books, data


def build_application(settings: Settings) -> RoutingApplication:
    deployment = deployment_of(settings)  # a refused deployment opens no store
    books, data = autorules(deployment)
    app = RoutingApplication(env=store_environment("routing", settings),
                             deployment=deployment, rules=books)
    for change in app.record_reference(data):
        log.info(change)
    return app


def reference_watch(settings: Settings, app: RoutingApplication) -> ReferenceWatch:
    """The deployment's files (its directories) and the autorules, loaded again when one
    changes, checked as at start: the rules against the new directory before either is
    used."""
    live = app.deployment

    def reload(by: str | None) -> list[str]:
        fresh = live.checked(fresh_deployment(settings))
        books, data = autorules(fresh)
        live.swap(fresh)
        return app.reload_rules(books, data, by)

    return ReferenceWatch(lambda: [*deployment_files(settings, live.current),
                                   *(m.autorules for m in live.municipalities.values()
                                     if m.autorules is not None)], reload)


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    app = build_application(settings)
    watch = reference_watch(settings, app)
    redactor()  # staff's free text is masked at the door: its models load before serving

    async def index_queue(run: Running) -> None:
        """Start-up: the work queues from the store (not ready before: a queue asked
        meanwhile would look empty)."""
        count = await asyncio.to_thread(app.rebuild_queue)
        # the index lives as long as the process: out of the collector's sight, as what
        # start-up built before it (kit.runtime); a full collection walking it paused
        # the queue's answers by a tenth of a second at 10,000 open appeals
        gc.collect()
        gc.freeze()
        log.info("queue rebuilt", extra={"count": count})

    return Service("routing", settings, app=app, reaction=app.react, publishes=True,
                   routers=[router(app), recheck_http.router(app), reference_http.router(
                       app, app.deployment, lambda: editable(app.deployment, app.rules_data.get),
                       watch)],
                   startup=[index_queue], every_process=[watching(watch)],
                   body_limits=reference_http.BODY_LIMITS,
                   title_ru="МЦУ: маршрутизация и исполнение",
                   middleware=[(StaffTokenFirst, {"directory": app.deployment})])
