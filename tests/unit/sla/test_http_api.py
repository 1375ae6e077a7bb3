"""SLA HTTP API: views, extensions with their refusals as problem responses, the calculator."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kit import problems
from kit.outbox import envelope_of
from services.sla.entrypoints.http import router
from tests.support.envelopes import AppealStory
from tests.support.routing import directory
from tests.unit.sla.conftest import MON
from tests.unit.sla.test_deadline_lifecycle import feed

APPROVER = {"Authorization": "Bearer token-p-approver"}
EXECUTOR = {"Authorization": "Bearer token-p-executor"}


@pytest.fixture
def client(sla) -> TestClient:
    api = FastAPI()
    problems.install(api)
    api.include_router(router(sla, directory()))
    return TestClient(api)


@pytest.fixture
def official(sla) -> str:
    story = AppealStory()
    feed(sla, story.registered(MON, kind="official"))
    return str(story.appeal_id)


def test_the_view_shows_each_stage_and_the_next_timers(client, official):
    view = client.get(f"/api/v1/appeals/{official}/deadlines", headers=EXECUTOR).json()
    answer = next(s for s in view["stages"] if s["stage"] == "answer")
    assert answer["due_at"] == "2026-12-16T23:59:59+03:00" and answer["term"] == "30d"
    assert view["next_timers"][0]["key"] == "remind:answer:2wd"


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


def test_an_unknown_appeal_is_404(client):
    response = client.get("/api/v1/appeals/9d4e1f2a-6b3c-4d5e-8f70-1a2b3c4d5e6f/deadlines",
                          headers=EXECUTOR)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


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
