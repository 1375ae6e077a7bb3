"""Composition root of the console: the services' addresses, sessions, the live feed and
the pages. The console keeps no store and no copy of any rule: it asks the services."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse

from contracts.vocabulary import Role
from kit.runtime import Running, Service
from kit.settings import Settings
from kit.staff import read_deployment
from kit.validation import field_errors
from services.console.adapters.live import LiveFeed
from services.console.adapters.upstream import Refused, Upstream
from services.console.application import ConsoleApplication
from services.console.entrypoints.pages import SignInNeeded, environment, router

log = logging.getLogger("mcu.console")
STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor" / "htmx.min.js"
DEMO_ROLES = (Role.COORDINATOR, Role.EXECUTOR, Role.APPROVER, Role.MCU_HEAD,
              Role.BLOCK_CURATOR, Role.DEADLINE_CONTROLLER, Role.ANALYST, Role.AUDITOR,
              Role.ADMINISTRATOR)


def demo_people(settings: Settings, deployment) -> list[tuple[str, str, str]]:
    """In demo mode the sign-in page lists whom to sign in as (the key is demo-<id>): one
    person of each working role in the first municipality, every other municipality's
    MCU head, and each region's curator."""
    if not settings.demo:
        return []
    from services.console.domain.display import role_ru

    first, *others = deployment.municipalities.values()
    listed: list[tuple[str, str, str]] = []

    def add(person, role: Role, where: str) -> None:
        if all(person.id != pid for pid, _, _ in listed):
            listed.append((person.id, person.name, f"{role_ru(role.value)}, {where}"))

    for role in DEMO_ROLES:
        having = [p for p in first.directory.people.values() if role in p.roles]
        # a department's people first: the demo's work waits on them, not on the MCU's
        for found in sorted(having, key=lambda p: p.organization == "mcu")[:1] + having[:1]:
            add(found, role, first.name)
    for m in others:
        if m.directory.mcu_head is not None:
            add(m.directory.mcu_head, Role.MCU_HEAD, m.name)
    for person in deployment.people.values():
        if Role.REGIONAL_CURATOR in person.roles:
            add(person, Role.REGIONAL_CURATOR, deployment.regions[person.region].name)
    return listed


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    deployment = read_deployment(settings)
    if not VENDOR.exists():
        log.warning("console assets not built: run `make console-assets` (htmx is missing;"
                    " pages work without live updates)")
    upstream = Upstream({name: settings.address_of(name)
                         for name in ("routing", "sla", "intake", "analytics", "audit")})
    app = ConsoleApplication(upstream, timedelta(minutes=settings.console_idle_minutes))
    live = LiveFeed(settings.kafka_bootstrap, settings.log_topic,
                    lambda header: deployment.municipality(header or None).id)
    env = environment()

    async def sign_in_first(request: Request, exc: SignInNeeded):
        if request.headers.get("hx-request") == "true":
            return HTMLResponse("", 401, headers={"HX-Redirect": "/login?expired=1"})
        if request.url.path == "/live":
            return HTMLResponse("", 401)
        expired = "?expired=1" if request.cookies.get("mcu_console") else ""
        return RedirectResponse(f"/login{expired}", 303)

    async def refused(request: Request, exc: Refused):
        page = env.get_template("missing.html").render(
            who=None, error=str(exc), heading="Действие отклонено")
        return HTMLResponse(page, exc.status)

    async def unreadable(request: Request, exc: RequestValidationError):
        """A page's form or address the console cannot take: said on a page, in Russian
        (the doors of the services answer such input with problem documents)."""
        reasons = "; ".join(f"{e['field']}: {e['reason']}" for e in field_errors(exc.errors()))
        page = env.get_template("missing.html").render(
            who=None, error=reasons, heading="Запрос не принят")
        return HTMLResponse(page, 422)

    async def follow_the_log(run: Running) -> None:
        await live.follow(run)

    return Service("console", settings, routers=[router(
        app, live, secure_cookie=settings.console_secure_cookie,
        demo_people=demo_people(settings, deployment))],
        title_ru="МЦУ: консоль сотрудников", background=[follow_the_log],
        static={"/static": str(STATIC)},
        # a form sends Cyrillic percent-encoded (6 bytes a letter): the administrator's
        # documents pass here up to the form parser's own 1 MB, and routing's limit
        # answers in Russian on the page
        body_limits={"/admin/": 1024 * 1024, "/admin/files/": 8 * 1024 * 1024},
        exception_handlers={SignInNeeded: sign_in_first, Refused: refused,
                            RequestValidationError: unreadable})
