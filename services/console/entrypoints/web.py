"""What every page of the console shares: the templates, the headers, the session and its
CSRF check, and the few limits of the pages.

Every page but sign-in needs a session (cookie `mcu_console`: HttpOnly, SameSite=Strict,
Secure when configured); every POST carries the session's CSRF token (a form field, or
the `X-CSRF-Token` header htmx sends), and sign-in itself a double-submit token. Pages
are never cached and never framed; scripts come only from the console itself (CSP).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from contracts.vocabulary import STATUS_RU, AppealStatus
from services.console.adapters.live import LiveFeed
from services.console.adapters.upstream import Refused
from services.console.application import ConsoleApplication
from services.console.domain import display
from services.console.domain.sessions import Session

COOKIE, LOGIN_COOKIE = "mcu_console", "mcu_console_login"
BULK_LIMIT = 200  # appeals one bulk action takes
ANSWERABLE = ("assigned", "rework", "reopened")  # rows a bulk answer may take
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FILTER_NAMES = ("queue", "status", "kind", "channel", "topic", "thematic_block", "territory",
                "recipient_id", "executor_id", "repeat", "q", "sort", "deadline")
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                      "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"}


class SignInNeeded(Exception):
    """No live session: the page sends the browser to sign in (htmx: a full redirect)."""


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(status_ru=lambda s: STATUS_RU.get(AppealStatus(s), s) if s in
                       AppealStatus._value2member_map_ else s,
                       kind_ru=display.kind_ru, channel_ru=display.channel_ru,
                       what_ru=display.what_ru,
                       role_ru=display.role_ru, local_time=display.local_time,
                       statuses=[(s.value, STATUS_RU[s]) for s in AppealStatus])
    env.filters["role_ru"] = display.role_ru
    return env


def as_csv(answer: dict) -> str:
    """A query's answer as CSV (UTF-8 with BOM, which spreadsheet programs read as such)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(answer["columns"])
    writer.writerows(answer["rows"])
    return "\ufeff" + out.getvalue()


@dataclass
class Pages:
    app: ConsoleApplication
    live: LiveFeed
    secure_cookie: bool
    demo_people: list[tuple[str, str, str]] = field(default_factory=list)
    env: Environment = field(default_factory=environment)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(name).render(**context), status,
                            headers=HEADERS)

    def session_of(self, request: Request) -> Session:
        session = self.app.sessions.find(request.cookies.get(COOKIE), self.app.now())
        if session is None:
            raise SignInNeeded()
        return session

    async def checked(self, request: Request) -> Session:
        """A POST's session, with its CSRF token checked."""
        session = self.session_of(request)
        offered = request.headers.get("x-csrf-token")
        if offered is None:
            offered = (await request.form()).get("csrf")
        if not session.csrf_ok(str(offered) if offered else None):
            raise Refused(403, "csrf_failed", "Форма устарела",
                          "Форма устарела или отправлена не со страницы консоли: обновите"
                          " страницу и повторите")
        return session

    @property
    def who(self):
        """The dependency of a page: the signed-in person's session."""
        return Annotated[Session, Depends(self.session_of)]

    @property
    def acting(self):
        """The dependency of a form's POST: the session, its CSRF token checked."""
        return Annotated[Session, Depends(self.checked)]
