"""The console over the real services in-process: routing's and SLA's HTTP faces over
ASGI, the console's own pages with its sessions, no live feed (tests, the bench)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kit import problems
from kit.runtime import http_app
from kit.scope import RoutingScope
from kit.settings import Settings
from services.console.adapters.live import LiveFeed
from services.console.adapters.upstream import Upstream
from services.console.application import ConsoleApplication
from services.console.bootstrap import build
from services.console.entrypoints.pages import router
from services.sla.entrypoints.http import router as sla_router
from tests.support.routing import http_api


def console_client(routing, sla) -> tuple[TestClient, ConsoleApplication]:
    routing_api = http_api(routing)
    scope = RoutingScope("http://routing", httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routing_api)))
    sla_api = FastAPI()
    problems.install(sla_api)
    sla_api.include_router(sla_router(sla, routing.deployment, scope))
    upstream = Upstream({"routing": "http://routing", "sla": "http://sla", "intake": "http://i"},
                        transports={"routing": httpx.ASGITransport(app=routing_api),
                                    "sla": httpx.ASGITransport(app=sla_api)})
    service = build(Settings(demo=True, _env_file=None))
    app = ConsoleApplication(upstream, timedelta(minutes=30))
    service.routers = [router(app, LiveFeed("127.0.0.1:9", "t", lambda header: header),
                              secure_cookie=False)]
    service.background = ()
    return TestClient(http_app(service)), app


def console_over_intake(intake) -> TestClient:
    """The console's pages over intake's HTTP API and routing's (`intake.routing`), both
    in-process; use it as a context manager (the console's lifespan)."""
    from tests.support.intake import http_client

    upstream = Upstream({"routing": "http://r", "sla": "http://s", "intake": "http://i",
                         "analytics": "http://a"},
                        transports={"intake": httpx.ASGITransport(app=http_client(intake).app),
                                    "routing": httpx.ASGITransport(app=http_api(
                                        intake.routing))})
    console = build(Settings(demo=True, _env_file=None))
    console.routers = [router(ConsoleApplication(upstream, timedelta(minutes=30)),
                              LiveFeed("127.0.0.1:9", "t", lambda h: h), secure_cookie=False)]
    console.background = ()
    return TestClient(http_app(console))


def sign_in(client: TestClient, person: str, token: str | None = None):
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"person_id": person, "token": token or f"demo-{person}",
                                       "csrf": csrf}, follow_redirects=False)


def csrf_of(page_text: str) -> str:
    return re.search(r'data-csrf="([^"]+)"', page_text).group(1)
