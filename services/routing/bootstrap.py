"""Composition root of the routing service."""

from __future__ import annotations

import asyncio
import logging

from kit.privacy import redactor
from kit.runtime import Running, Service
from kit.reference_files import named_by
from kit.settings import Settings
from kit.staff import StaffTokenFirst, directory_file
from kit.stores import store_environment
from services.routing.adapters.reference_files import SHIPPED_RULES, load_rules
from services.routing.application import RoutingApplication
from services.routing.entrypoints.http import router

log = logging.getLogger("mcu.routing")


def build_application(settings: Settings) -> RoutingApplication:
    directory, directory_data = directory_file(settings)  # a refused directory opens no store
    path = settings.routing_autorules or SHIPPED_RULES
    with named_by("MCU_ROUTING_AUTORULES", path):
        rules, rules_data = load_rules(directory, path)
    app = RoutingApplication(env=store_environment("routing", settings), directory=directory,
                             rules=rules)
    for change in app.record_reference(directory_data, rules_data):
        log.info(change)
    return app


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    app = build_application(settings)
    redactor()  # staff's free text is masked at the door: its models load before serving

    async def index_queue(run: Running) -> None:
        """Start-up: the work queues from the store (not ready before: a queue asked
        meanwhile would look empty)."""
        count = await asyncio.to_thread(app.rebuild_queue)
        log.info("queue rebuilt", extra={"count": count})

    return Service("routing", settings, app=app, reaction=app.react, publishes=True,
                   routers=[router(app)], startup=[index_queue],
                   title_ru="МЦУ: маршрутизация и исполнение",
                   middleware=[(StaffTokenFirst, {"directory": app.directory})])
