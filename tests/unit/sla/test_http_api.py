"""SLA HTTP API: views, extensions with their refusals as problem responses, the calculator."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kit import problems
from kit.clock import FixedClock
from kit.unit_of_work import UnitOfWork
from kit.outbox import envelope_of
from kit.scope import RoutingScope
from services.sla.entrypoints.http import router
from tests.support.envelopes import AppealStory
from tests.support.routing import directory, http_api, routing_app, who
from tests.unit.sla.conftest import MON
from tests.unit.sla.test_deadline_lifecycle import feed

APPROVER = {"Authorization": "Bearer token-p-approver"}
EXECUTOR = {"Authorization": "Bearer token-p-executor"}
OTHER_COORDINATOR = {"Authorization": "Bearer token-p-other-coord"}


@pytest.fixture
def routing():
    return routing_app(FixedClock(MON))


@pytest.fixture
def client(sla, routing) -> TestClient:
    """SLA's API; whose appeal it is comes from routing's real HTTP API, in-process."""
    api = FastAPI()
    problems.install(api)
    scope = RoutingScope("http://routing", httpx.AsyncClient(
        transport=httpx.ASGITransport(app=http_api(routing))))
    api.include_router(router(sla, directory(), scope))
    return TestClient(api)


@pytest.fixture
def official(sla, routing) -> str:
    """An official appeal known to SLA and to routing, routed to "dep" and assigned to
    p-executor there."""
    story = AppealStory()
    registered = story.registered(MON, kind="official")
    feed(sla, registered)
    unit = UnitOfWork(routing)
    routing.react(registered, unit)
    routing.save(*unit.aggregates())
    routing.command("assign", story.appeal_id, who(routing, "p-coordinator"),
                    executor_id="p-executor")
    return str(story.appeal_id)


def test_the_view_shows_each_stage_and_the_next_timers(client, official):
    view = client.get(f"/api/v1/appeals/{official}/deadlines", headers=EXECUTOR).json()
    answer = next(s for s in view["stages"] if s["stage"] == "answer")
    assert answer["due_at"] == "2026-12-16T23:59:59+03:00" and answer["term"] == "30d"
    extendable = {s["stage"]: s["extendable"] for s in view["stages"]}
    assert extendable == {"registration": False, "answer": True,  # 59-ФЗ: once, by 30d
                          "registration_notice": False}  # the card offers no form for it
    timers = [t["key"] for t in view["next_timers"]]
    assert timers[0] == "breach:registration_notice"  # the notice is due in 3 days
    assert timers[1] == "escalate:registration_notice:4"  # late: to the MCU head alone
    assert timers[2] == "remind:answer:2wd"


def test_an_extension_is_granted_once_then_refused_with_a_stable_code(client, sla, official):
    url = f"/api/v1/appeals/{official}/deadlines/answer/extensions"
    first = client.post(url, json={"term": "30d", "reason": "выезд комиссии"}, headers=APPROVER)
    assert first.status_code == 201
    extended = [e for e in (envelope_of("sla", sla.domain_event(n))
                            for n in sla.notifications_after(0, 1000))
                if e and e.event_type == "DeadlineExtended"]
    assert [(e.actor.id, e.actor.role, e.actor.organization_id) for e in extended] == [
        ("p-approver", "approver", "dep")]  # the token's person from the directory
    second = client.post(url, json={"term": "10d", "reason": "ещё"}, headers=APPROVER)
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["code"] == "extension_limit_reached"
    assert "59-ФЗ" in second.json()["detail"]


@pytest.mark.parametrize("headers, body, status, code", [
    (EXECUTOR, {"term": "5d", "reason": "x"}, 403,
     "forbidden_role"),
    (APPROVER, {"term": "пять дней", "reason": "x"}, 422, "invalid_term"),
    (APPROVER, {"term": "5d"}, 422, "validation_failed"),
    ({}, {"term": "5d", "reason": "x"}, 401, "unauthorized"),
])
def test_bad_extension_requests_are_refused(client, official, headers, body, status, code):
    response = client.post(f"/api/v1/appeals/{official}/deadlines/answer/extensions",
                           json=body, headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_an_unknown_appeal_and_one_out_of_reach_get_the_same_404(client, sla, official):
    unknown = client.get("/api/v1/appeals/9d4e1f2a-6b3c-4d5e-8f70-1a2b3c4d5e6f/deadlines",
                         headers=EXECUTOR)
    foreign = client.get(f"/api/v1/appeals/{official}/deadlines", headers=OTHER_COORDINATOR)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "appeal_not_found")
    assert (foreign.status_code, foreign.json() | {"instance": ""}) == (
        404, unknown.json() | {"instance": ""})


def test_another_organisations_approver_cannot_use_up_the_extension(client, sla, official):
    url = f"/api/v1/appeals/{official}/deadlines/answer/extensions"
    foreign = client.post(url, json={"term": "30d", "reason": "чужое"},
                          headers={"Authorization": "Bearer token-p-sp-head"})
    assert (foreign.status_code, foreign.json()["code"]) == (404, "appeal_not_found")
    assert "DeadlineExtended" not in [e.event_type for e in (
        envelope_of("sla", sla.domain_event(n)) for n in sla.notifications_after(0, 1000)) if e]
    own = client.post(url, json={"term": "30d", "reason": "выезд комиссии"}, headers=APPROVER)
    assert own.status_code == 201, own.text


def test_deadlines_are_shown_to_staff_only(client, official):
    for headers in ({}, {"Authorization": "Bearer no-such-token"}):
        response = client.get(f"/api/v1/appeals/{official}/deadlines", headers=headers)
        assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_the_calculator_endpoint_explains_a_term_in_any_zone(client):
    result = client.get("/api/v1/deadline", params={
        "registered": "2026-12-30T16:00:00+06:00", "term": "2wd", "tz": "Asia/Omsk"}).json()
    assert result["due"] == "2027-01-12T23:59:59+06:00"
    assert result["explanation"][-1] == "срок истекает в конце дня 12.01.2027"
    bad = client.get("/api/v1/deadline", params={
        "registered": "2026-12-30T16:00:00+06:00", "term": "2wd", "tz": "Mars/Olympus"})
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_timezone")
