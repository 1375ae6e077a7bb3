"""Composition root of the SLA service."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kit import reference_http
from kit.clock import AcceleratedClock, Clock, SystemClock
from kit.deployment import Deployment, Municipality
from kit.reference_files import named_by
from kit.reference_watch import ReferenceWatch, watching
from kit.privacy import redactor
from kit.runtime import Running, Service, until_stopped
from kit.supervision import retrying
from kit.scope import RoutingScope
from kit.settings import Settings
from kit.staff import StaffTokenFirst, deployment_files, deployment_of, fresh_deployment
from kit.stores import store_environment
from services.sla.adapters import calendar_file, policy_file
from services.sla.adapters.reference_files import calendar_paths, editable, policy_paths
from kit.mail import Mailer, SmtpSettings
from services.sla.application import SlaApplication, Tenant
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


def regional_calendar(settings: Settings, federal: ProductionCalendar, region: str
                      ) -> ProductionCalendar:
    """The federal calendar with a region's overlay (`regions/<region>-<year>.yaml` beside
    the federal files)."""
    base = (settings.sla_calendar_dir / "regions" if settings.sla_calendar_dir
            else calendar_file.REGIONS_DIR)
    with named_by("MCU_SLA_CALENDAR_DIR", base):
        return calendar_file.with_region(federal, region, base)


def policy(settings: Settings, municipality: Municipality,
           single: bool = False) -> policy_file.LoadedPolicy:
    """The municipality's deadline policy (its own, else its region's, else the shipped
    one) in its time zone, refused (naming the setting) if its escalation reaches a role
    nobody in its directory holds."""
    path = municipality.policy or policy_file.SHIPPED_POLICY
    with named_by("MCU_SLA_POLICY" if single else "MCU_DEPLOYMENT", path):
        loaded = policy_file.load(path, ZoneInfo(municipality.timezone))
        if problems := policy_file.staffing_problems(loaded.policy, municipality.directory):
            raise policy_file.PolicyFileError(f"{path} ({municipality.name})", problems)
    return loaded


def tenants(settings: Settings, deployment: Deployment) -> dict[str, Tenant]:
    federal, regional = calendar(settings), {}
    found = {}
    for m in deployment.municipalities.values():
        loaded = policy(settings, m, single=deployment.source is None)
        if m.calendar and m.calendar not in regional:
            regional[m.calendar] = regional_calendar(settings, federal, m.calendar)
        calc = TermCalculator(regional[m.calendar] if m.calendar else federal, loaded.schedule)
        found[m.id] = Tenant(calc, loaded.policy, m.directory, loaded.data)
    return found


def build_application(settings: Settings, deployment: Deployment,
                      clock: Clock | None = None) -> SlaApplication:
    clock = clock or (AcceleratedClock(settings.clock_speed, datetime.now(UTC))
                      if settings.clock_speed != 1 else SystemClock())
    app = SlaApplication(env=store_environment("sla", settings), deployment=deployment,
                         tenants=tenants(settings, deployment), clock=clock)
    for change in app.record_policy():
        log.info(change)
    return app


def reference_watch(settings: Settings, app: SlaApplication) -> ReferenceWatch:
    """The deployment's files, the policies and the calendars, loaded again when one
    changes (checked as at start: a policy against the new directory's staff)."""
    live = app.deployment

    def reload(by: str | None) -> list[str]:
        fresh = live.checked(fresh_deployment(settings))
        found = tenants(settings, fresh)
        live.swap(fresh)
        return app.reload_tenants(found, by)

    return ReferenceWatch(lambda: [*deployment_files(settings, live.current),
                                   *policy_paths(live.current),
                                   *calendar_paths(settings.sla_calendar_dir)], reload)


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    deployment = deployment_of(settings)  # a refused deployment opens no store
    redactor()  # staff's free text is masked at the door: its models load before serving
    app = build_application(settings, deployment)

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

    watch = reference_watch(settings, app)
    background = [fire_timers]
    if settings.smtp_host:
        notifier = Notifier(app, Mailer(SmtpSettings.of(settings)))

        async def send_notices(run: Running) -> None:
            await until_stopped(run, notifier)

        background.append(send_notices)
    return Service("sla", settings, app=app, reaction=app.react, publishes=True,
                   routers=[router(app, deployment, RoutingScope(settings.routing_address)),
                            reference_http.router(app, deployment, lambda: editable(
                                deployment, settings.sla_calendar_dir), watch)],
                   startup=[load_timers], background=background,
                   every_process=[watching(watch)], body_limits=reference_http.BODY_LIMITS,
                   title_ru="МЦУ: контроль сроков",
                   middleware=[(StaffTokenFirst, {"directory": deployment})])
