"""Every staff door that names an appeal, as the services' OpenAPI documents list them, and
one call of it with a body it accepts: the door matrices of scope and tenancy share these."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts import decode, encode
from kit import problems
from kit.outbox import envelope_of
from kit.scope import RoutingScope
from kit.unit_of_work import UnitOfWork
from services.sla.entrypoints.http import router as sla_router
from tests.support.routing import http_api
from tests.unit.routing.test_access_matrix import ARGS

Door = tuple[str, str, str, str]  # service, method, path, operation id

BODIES = {name: {k: (v.isoformat() if isinstance(v, date) else v) for k, v in args.items()}
          for name, args in ARGS.items()}
BODIES["extend"] = {"term": "5d", "reason": "проверка на месте"}
BY_SUFFIX = {"/extensions": BODIES["extend"],  # a door's body by how its path ends
             "/posted": {"tracking_number": "34725012345678", "posted_on": "2026-12-01"},
             "/result": {"reached": True, "result": "ответ зачитан"},
             "/delivered": {"how": "внесён в ПОС вручную"}}
QUERY = {"read": {"reason": "ответ заявителю"}}  # the vault door's stated reason


def doors(clients: dict[str, TestClient]) -> list[Door]:
    """Every door naming an appeal, found in the routers themselves: a door added later
    is in the matrix without editing it."""
    return [(service, method.upper(), path, operation.get("operationId", ""))
            for service, client in clients.items()
            for path, methods in client.app.openapi()["paths"].items() if "{appeal_id}" in path
            for method, operation in methods.items()]


def call(client: TestClient, door: Door, appeal: uuid.UUID, token: str):
    _, method, path, operation = door
    url = path.replace("{appeal_id}", str(appeal)).replace("{stage}", "answer")
    body = BODIES[operation] if operation in BODIES else next(
        (b for suffix, b in BY_SUFFIX.items() if path.endswith(suffix)), None)
    params = QUERY["read"] if path.endswith("/applicant") else None
    return client.request(method, url, headers={"Authorization": f"Bearer {token}"},
                          json=body, params=params)


def refused_like_a_missing_appeal(foreign, unknown) -> bool:
    """The refusal of a door out of reach is the one a missing appeal gets: nothing tells
    that the appeal exists."""
    body = foreign.json()
    return (foreign.status_code >= 400 and body.get("code") in ("forbidden_role",
                                                                "appeal_not_found")
            and (foreign.status_code, body["code"], body["detail"])
            == (unknown.status_code, unknown.json()["code"], unknown.json()["detail"]))


def set_deadlines(intake, sla) -> None:
    """Hand intake's registrations to SLA as its consumer reads them from the log."""
    for n in intake.notifications_after(0, 1000):
        stored = envelope_of("intake", intake.domain_event(n))
        if stored is not None and stored.event_type == "AppealRegistered":
            unit = UnitOfWork(sla)
            sla.react(decode(encode(stored)), unit)
            sla.save(*unit.aggregates())


def follow_deadlines(sla, routing) -> None:
    """Hand SLA's events to routing as its consumer reads them from the log (each once):
    routing's queues sort and filter by what they say."""
    done = getattr(routing, "_sla_delivered", 0)
    for n in sla.notifications_after(done, 10_000):
        routing._sla_delivered = n.id
        stored = envelope_of("sla", sla.domain_event(n))
        if stored is not None:
            unit = UnitOfWork(routing)
            routing.react(decode(encode(stored)), unit)
            routing.save(*unit.aggregates())


def clients(intake_client: TestClient, routing, sla) -> dict[str, TestClient]:
    """Each service's HTTP face in-process; SLA asks routing (over ASGI) whose appeal it is."""
    scope = RoutingScope("http://routing", httpx.AsyncClient(
        transport=httpx.ASGITransport(app=http_api(routing))))
    sla_api = FastAPI()
    problems.install(sla_api)
    sla_api.include_router(sla_router(sla, routing.deployment, scope))
    return {"routing": TestClient(http_api(routing)), "sla": TestClient(sla_api),
            "intake": intake_client}
