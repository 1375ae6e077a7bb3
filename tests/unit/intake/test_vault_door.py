"""The staff door to the personal-data vault: access by role within the reach routing
gives it (its real HTTP API, in-process), every read and erasure logged with the person
and the reason, clear refusals."""

import uuid

import pytest

from kit.clock import FixedClock
from tests.support.intake import AUTHOR, NOW, http_client, pos_message, route_registrations
from tests.support.routing import routing_app, who

POS = {"X-API-Key": "demo-pos"}


def staff(person: str) -> dict:
    return {"Authorization": f"Bearer token-p-{person}"}


@pytest.fixture
def routing():
    return routing_app(FixedClock(NOW))  # its autorule sends every appeal to "dep"


@pytest.fixture
def client(intake, routing):
    return http_client(intake, routing)


@pytest.fixture
def appeal(client, intake, routing) -> str:
    """A ПОС message, routed to "dep" and assigned to p-executor."""
    response = client.post("/api/v1/channels/pos/messages", json=pos_message(), headers=POS)
    assert response.status_code == 201
    appeal_id = response.json()["appeal_id"]
    route_registrations(intake, routing)
    routing.command("assign", uuid.UUID(appeal_id), who(routing, "p-coordinator"),
                    executor_id="p-executor")
    return appeal_id


def test_an_executor_reads_the_applicant_and_the_read_is_logged(client, intake, appeal):
    response = client.get(f"/api/v1/appeals/{appeal}/applicant",
                          params={"reason": "звонок заявителю для уточнения адреса"},
                          headers=staff("executor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["applicant"] == {**AUTHOR, "address": "ул. Школьная, 7, кв. 12"}
    assert body["applicant_id"] == str(intake.vault.applicant_of(uuid.UUID(appeal)))
    [entry] = intake.vault.access_log(10)
    assert (entry["who"], entry["why"], entry["action"], entry["appeal_id"]) == (
        "p-executor", "звонок заявителю для уточнения адреса", "read", appeal)


@pytest.mark.parametrize("headers, reason, status, code", [
    ({}, "ответ заявителю", 401, "unauthorized"),
    ({"Authorization": "Bearer stolen-token"}, "ответ заявителю", 401, "unauthorized"),
    (staff("analyst"), "ответ заявителю", 403, "forbidden_role"),
    (staff("auditor"), "ответ заявителю", 403, "forbidden_role"),
    (staff("mcu_head"), "ответ заявителю", 403, "forbidden_role"),
    # out of reach is answered as a missing appeal
    (staff("executor-2"), "ответ заявителю", 404, "appeal_not_found"),  # not assigned to it
    (staff("sp-exec"), "ответ заявителю", 404, "appeal_not_found"),
    (staff("other-coord"), "ответ заявителю", 404, "appeal_not_found"),  # another department
    (staff("coordinator"), None, 422, "validation_failed"),
    (staff("coordinator"), "надо", 422, "validation_failed"),
    (staff("coordinator"), "      ", 422, "reason_required"),
])
def test_who_may_not_read_or_gives_no_reason_is_refused_and_nothing_is_read(
        client, intake, appeal, headers, reason, status, code):
    params = {"reason": reason} if reason is not None else {}
    response = client.get(f"/api/v1/appeals/{appeal}/applicant", params=params, headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert "Иванова" not in response.text
    log = [(e["who"], e["why"], e["action"], e["appeal_id"]) for e in intake.vault.access_log(10)]
    if code in ("forbidden_role", "appeal_not_found"):  # the auditors see who tried
        assert log == [(headers["Authorization"].removeprefix("Bearer token-"), reason,
                        "refused", appeal)]
    else:  # refused before the vault was touched
        assert log == []


def test_an_appeal_without_personal_data_is_404_and_the_attempt_is_logged(
        client, intake, routing):
    anonymous = client.post("/api/v1/appeals", headers={"X-API-Key": "demo-web"}, json={
        "channel": "web", "external_id": "W-1", "text": "Не горит фонарь у школы"}).json()
    route_registrations(intake, routing)
    response = client.get(f"/api/v1/appeals/{anonymous['appeal_id']}/applicant",
                          params={"reason": "ответ заявителю"}, headers=staff("coordinator"))
    assert (response.status_code, response.json()["code"]) == (404, "no_personal_data")
    assert [(e["who"], e["appeal_id"]) for e in intake.vault.access_log(10)] == [
        ("p-coordinator", anonymous["appeal_id"])]


def test_the_mcus_coordinator_reads_any_appeal_and_the_holders_approver_reads_its_own(
        client, appeal):
    for person in ("mcu-coord", "approver", "coordinator"):
        response = client.get(f"/api/v1/appeals/{appeal}/applicant",
                              params={"reason": "ответ заявителю"}, headers=staff(person))
        assert response.status_code == 200, (person, response.text)


def test_without_a_clear_answer_from_routing_nothing_is_read(client, intake):
    unrouted = client.post("/api/v1/channels/pos/messages", json=pos_message(7),
                           headers=POS).json()["appeal_id"]  # routing has not seen it yet
    response = client.get(f"/api/v1/appeals/{unrouted}/applicant",
                          params={"reason": "ответ заявителю"}, headers=staff("mcu-coord"))
    # routing has not seen it: the same answer as for an appeal out of reach
    assert (response.status_code, response.json()["code"]) == (404, "appeal_not_found")
    down = http_client(intake)  # routing does not answer at all
    response = down.get(f"/api/v1/appeals/{unrouted}/applicant",
                        params={"reason": "ответ заявителю"}, headers=staff("mcu-coord"))
    assert (response.status_code, response.json()["code"]) == (503, "routing_unavailable")
    # nothing was read; the attempt on the unrouted appeal is logged as refused
    assert [(e["who"], e["action"]) for e in intake.vault.access_log(10)] == [
        ("p-mcu-coord", "refused")]


def test_the_administrator_erases_the_person_and_the_auditor_sees_who_did_what(
        client, intake, appeal):
    applicant = client.get(f"/api/v1/appeals/{appeal}/applicant",
                           params={"reason": "ответ заявителю"},
                           headers=staff("approver")).json()["applicant_id"]
    reason = {"reason": "запрос субъекта ПДн (ст. 21 152-ФЗ)"}
    refused = client.delete(f"/api/v1/applicants/{applicant}", params=reason,
                            headers=staff("coordinator"))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden_role")

    erased = client.delete(f"/api/v1/applicants/{applicant}", params=reason,
                           headers=staff("administrator"))
    assert erased.json() == {"applicant_id": applicant, "erased_appeals": 1}
    after = client.get(f"/api/v1/appeals/{appeal}/applicant", params={"reason": "проверка"},
                       headers=staff("executor"))
    assert (after.status_code, after.json()["code"]) == (404, "no_personal_data")
    again = client.delete(f"/api/v1/applicants/{applicant}", params=reason,
                          headers=staff("administrator"))
    assert (again.status_code, again.json()["code"]) == (404, "no_personal_data")

    assert client.get("/api/v1/vault/access-log", headers=staff("executor")).status_code == 403
    log = client.get("/api/v1/vault/access-log", params={"limit": 3},
                     headers=staff("auditor")).json()
    assert [(e["who"], e["action"]) for e in log] == [  # newest first
        ("p-administrator", "erase"), ("p-executor", "read"), ("p-administrator", "erase")]
    assert log[2]["applicant_id"] == applicant and log[2]["why"] == reason["reason"]
    [tried] = [e for e in intake.vault.access_log(10) if e["action"] == "refused"]
    assert (tried["who"], tried["applicant_id"], tried["appeal_id"]) == (
        "p-coordinator", applicant, None)


def test_the_door_is_in_the_openapi_document(client):
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert {"get"} <= set(paths["/api/v1/appeals/{appeal_id}/applicant"])
    assert document["components"]["securitySchemes"]["staffToken"]["scheme"] == "bearer"
    assert paths["/api/v1/vault/access-log"]["get"]["security"] == [{"staffToken": []}]
    assert {"delete"} <= set(paths["/api/v1/applicants/{applicant_id}"])
    assert {"get"} <= set(paths["/api/v1/vault/access-log"])


@pytest.mark.parametrize("content, complaint", [
    (None, "не удалось прочитать"),
    ("people: [}", "не YAML"),
    ("municipality: X\ntimezone: Europe/Moscow\norganizations: []\npeople:\n"
     "- {id: u1, name: U, organization: nowhere, roles: [executor]}\n",
     "сотрудник u1: неизвестная организация nowhere"),
])
def test_a_wrong_staff_directory_stops_a_service_with_the_setting_named(tmp_path, content, complaint):
    from kit.settings import ConfigError, Settings
    from kit.staff import deployment_of

    path = tmp_path / "directory.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"MCU_ROUTING_DIRECTORY: .*{complaint}"):
        deployment_of(Settings(routing_directory=path, _env_file=None))
