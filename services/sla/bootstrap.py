"""Composition root of the SLA service."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kit.clock import AcceleratedClock, Clock, SystemClock
from kit.directory import Directory
from kit.reference_files import named_by
from kit.privacy import redactor
from kit.runtime import Running, Service, until_stopped
from kit.supervision import retrying
from kit.scope import RoutingScope
from kit.settings import Settings
from kit.staff import StaffTokenFirst, directory_of
from kit.stores import store_environment
from services.sla.adapters import calendar_file, policy_file
from services.sla.adapters.mailer import Mailer, SmtpSettings
from services.sla.application import SlaApplication
from services.sla.domain.calendar import ProductionCalendar
from services.sla.domain.terms import TermCalculator
from services.sla.entrypoints.http import router
from services.sla.entrypoints.notifier import Notifier

log = logging.getLogger("mcu.sla")


def calendar(settings: Settings) -> ProductionCalendar:
    if settings.sla_calendar_dir is None:
        return calendar_file.shipped()
    years = []
    for path in sorted(settings.sla_calendar_dir.glob("*.yaml")):
        with named_by("MCU_SLA_CALENDAR_DIR", path):
            years.append(calendar_file.load(path))
    return ProductionCalendar(years)


def policy(settings: Settings, directory: Directory) -> policy_file.LoadedPolicy:
    """The deadline policy in the directory's time zone, refused (naming MCU_SLA_POLICY)
    if its escalation reaches a role nobody in the directory holds."""
    path = settings.sla_policy or policy_file.SHIPPED_POLICY
    with named_by("MCU_SLA_POLICY", path):
        loaded = policy_file.load(path, ZoneInfo(directory.timezone))
        if problems := policy_file.staffing_problems(loaded.policy, directory):
            raise policy_file.PolicyFileError(str(path), problems)
    return loaded


def build_application(settings: Settings, directory: Directory,
                      clock: Clock | None = None) -> SlaApplication:
    loaded = policy(settings, directory)
    clock = clock or (AcceleratedClock(settings.clock_speed, datetime.now(UTC))
                      if settings.clock_speed != 1 else SystemClock())
    app = SlaApplication(env=store_environment("sla", settings),
                         calculator=TermCalculator(calendar(settings), loaded.schedule),
                         policy=loaded.policy, directory=directory, clock=clock)
    for change in app.record_policy(loaded.data):
        log.info(change)
    return app


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    directory = directory_of(settings)  # a refused directory opens no store
    redactor()  # staff's free text is masked at the door: its models load before serving
    app = build_application(settings, directory)

    async def load_timers(run: Running) -> None:
        """Start-up: the calendars' revisions, then every pending timer (the service is
        not ready before: a timer due meanwhile would fire late)."""
        for change in await asyncio.to_thread(app.record_calendar):
            log.info(change)
        scheduled = await asyncio.to_thread(app.rebuild_timers, run.stopping.is_set)
        log.info("timers rebuilt", extra={"count": scheduled})

    async def fire_timers(run: Running) -> None:
        while not run.stopping.is_set():
            fired = await retrying("timers", run.health,
                                   lambda: asyncio.to_thread(app.fire_due), run.stopping)
            if not fired and await run.pause(0.2):
                return

    background = [fire_timers]
    if settings.smtp_host:
        notifier = Notifier(app, Mailer(SmtpSettings(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_user,
            settings.smtp_password, settings.smtp_starttls)))

        async def send_notices(run: Running) -> None:
            await until_stopped(run, notifier)

        background.append(send_notices)
    return Service("sla", settings, app=app, reaction=app.react, publishes=True,
                   routers=[router(app, directory, RoutingScope(settings.routing_address))],
                   startup=[load_timers], background=background,
                   title_ru="МЦУ: контроль сроков",
                   middleware=[(StaffTokenFirst, {"directory": directory})])
