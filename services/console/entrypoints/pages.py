"""The console's pages: server-rendered HTML (Jinja2, autoescaped), htmx for the parts
that change in place, server-sent events for live queues. Each group of pages is a module
of its own; `web.Pages` is what they share (templates, headers, session, CSRF)."""

from __future__ import annotations

from fastapi import APIRouter

from services.console.adapters.live import LiveFeed
from services.console.application import ConsoleApplication
from services.console.entrypoints import (admin, audit, card, deliveries, insight, live_updates,
                                          queues, sign_in)
from services.console.entrypoints.web import Pages, SignInNeeded, environment

__all__ = ["SignInNeeded", "environment", "router"]


def router(app: ConsoleApplication, live: LiveFeed, *, secure_cookie: bool,
           demo_people: list[tuple[str, str, str]] = ()) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    web = Pages(app, live, secure_cookie, list(demo_people))
    for group in (sign_in, queues, card, audit, insight, admin, deliveries, live_updates):
        group.add(pages, web)
    return pages
