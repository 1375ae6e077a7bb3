"""The doors the console added, tried as a stranger and a careless client: a wrong role,
another municipality's appeal, an oversized or malformed request. Each gets a clear 4xx
problem the OpenAPI document declares, and nothing changes."""

from __future__ import annotations

import uuid

import pytest

from services.intake.domain.commands import RegisterAppeal
from fastapi.testclient import TestClient

from kit.runtime import Service, http_app
from kit.settings import Settings
from kit.staff import StaffTokenFirst
from services.routing.entrypoints.http import router
from tests.support.doors import clients, set_deadlines
from tests.support.intake import route_registrations
from tests.unit.test_tenancy import world

COORD = {"Authorization": "Bearer demo-u-adm-gkh-coord"}
STRANGER = {"Authorization": "Bearer demo-gr-head"}  # another municipality's MCU head
ADMIN = {"Authorization": "Bearer demo-u-mcu-admin"}


@pytest.fixture(scope="module")
def doors():
    intake, routing, sla = world()
    appeal = intake.register(RegisterAppeal(
        channel="web", external_id="H-1", municipality="konstantinovsky",
        topic="Ямы и выбоины на дорогах", text="Яма")).appeal_id
    route_registrations(intake, routing)
    set_deadlines(intake, sla)
    # routing's whole HTTP face (body limits, the token before the body), as it serves
    face = TestClient(http_app(Service("routing", Settings(_env_file=None),
                                       routers=[router(routing)], middleware=[(
                                           StaffTokenFirst, {"directory": routing.deployment})])))
    return face, clients(None, routing, sla)["sla"], appeal, routing


def declared(client, path: str, method: str, status: int) -> bool:
    return str(status) in client.app.openapi()["paths"][path][method]["responses"]


def problem(answer, status: int, code: str | None = None) -> bool:
    body = answer.json()
    return (answer.status_code == status and answer.headers["content-type"].startswith(
        "application/problem+json") and body["detail"] and (code is None or body["code"] == code))


def test_the_worklist_refuses_an_unknown_queue_an_oversized_page_and_a_long_search(doors):
    routing, *_ = doors
    for params in ({"queue": "everything"}, {"limit": 100_000}, {"q": "я" * 201},
                   {"offset": -1}, {"sort": "random"}):
        answer = routing.get("/api/v1/worklist", params=params, headers=COORD)
        assert problem(answer, 422, "validation_failed"), params
    assert declared(routing, "/api/v1/worklist", "get", 422)
    assert routing.get("/api/v1/worklist").status_code == 401


def test_batch_doors_name_only_appeals_in_reach_and_refuse_too_many(doors):
    routing, sla, appeal, _ = doors
    for client, path in ((routing, "/api/v1/scopes"), (sla, "/api/v1/deadlines")):
        mine = client.get(path, params={"appeal_id": [str(appeal)]}, headers=COORD).json()
        theirs = client.get(path, params={"appeal_id": [str(appeal)]}, headers=STRANGER).json()
        key = "roles" if "scopes" in path else "deadlines"
        assert str(appeal) in mine[key] and theirs[key] == {}, path
        many = client.get(path, params={"appeal_id": [str(uuid.uuid4()) for _ in range(101)]},
                          headers=COORD)
        assert problem(many, 422), path
        assert problem(client.get(path, params={"appeal_id": "nope"}, headers=COORD), 422)
        assert declared(client, path, "get", 422)


def test_actions_and_templates_of_another_municipalitys_appeal_are_as_missing(doors):
    routing, _, appeal, _ = doors
    for path in (f"/api/v1/appeals/{appeal}/actions",
                 f"/api/v1/appeals/{appeal}/answer-templates"):
        foreign = routing.get(path, headers=STRANGER)
        unknown = routing.get(path.replace(str(appeal), str(uuid.uuid4())), headers=STRANGER)
        assert problem(foreign, 404, "appeal_not_found") and \
            foreign.json()["detail"] == unknown.json()["detail"], path


def test_the_dry_run_refuses_a_wrong_role_a_foreign_municipality_and_bad_bodies(doors):
    routing, _, _, workflows = doors
    before = workflows.max_notification_id()
    body = {"rules": "rules: []", "days": 7}
    executor = {"Authorization": "Bearer demo-u-adm-gkh-exec1"}
    assert problem(routing.post("/api/v1/autorules/dry-run", json=body, headers=executor), 403,
                   "forbidden_role")
    assert problem(routing.post("/api/v1/autorules/dry-run", json=body, headers=ADMIN,
                                params={"municipality": "grozny"}), 404, "unknown_municipality")
    for bad in ({"rules": "rules: []", "days": 0}, {"rules": ""}, {"rules": 5},
                {"rules": "x", "extra": 1}):
        assert problem(routing.post("/api/v1/autorules/dry-run", json=bad, headers=ADMIN), 422), bad
    huge = routing.post("/api/v1/autorules/dry-run", headers=ADMIN,
                        content=b'{"rules": "' + b"a" * 400_000 + b'"}',
                        )
    assert problem(huge, 413)
    assert routing.post("/api/v1/autorules/dry-run", content=b"{", headers={
        **ADMIN, "content-type": "application/json"}).status_code == 422
    for status in (403, 404, 413, 422):
        assert declared(routing, "/api/v1/autorules/dry-run", "post", status)
    assert workflows.max_notification_id() == before  # a dry run writes nothing


def test_templates_refuse_a_non_administrator_another_municipality_and_malformed_ones(doors):
    routing, *_ = doors
    good = {"templates": [{"id": "t", "title": "Т", "text": "Текст"}]}
    assert problem(routing.put("/api/v1/answer-templates", json=good, headers=COORD), 403)
    assert problem(routing.put("/api/v1/answer-templates", json=good, headers=ADMIN,
                               params={"municipality": "grozny"}), 404)
    for bad in ({"templates": [{"id": "Bad Id", "title": "Т", "text": "x"}]},
                {"templates": [{"id": "t", "title": "", "text": "x"}]},
                {"templates": [{"id": "t", "title": "Т", "text": "{номр}"}]},
                {"templates": "x"}):
        assert problem(routing.put("/api/v1/answer-templates", json=bad, headers=ADMIN), 422), bad
    assert routing.get("/api/v1/answer-templates", headers=ADMIN).json()["revision"] == 0
    for status in (403, 404, 413, 422):
        assert declared(routing, "/api/v1/answer-templates", "put", status)
