"""Intake's doors and its personal-data rules, through the HTTP API (in-memory store)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, RefResolver

from kit.outbox import envelope_of
from kit.privacy import mask_personal_data as redact
from services.intake.domain.location import coarse
from services.intake.adapters.vault import Applicant, VaultError
from tests.support.intake import NOW, pos_message

OPEN311 = Path(__file__).resolve().parents[4] / "shared" / "data" / "open311"
def log_payloads(intake) -> list[dict]:
    return [envelope_of("intake", intake.domain_event(n)).payload
            for n in intake.notifications_after(0, 1000)
            if envelope_of("intake", intake.domain_event(n))]


def test_every_door_wants_its_own_channel_key(client):
    assert client.post("/api/v1/channels/pos/messages", json=pos_message()).json()["code"] == \
        "invalid_api_key"
    wrong = client.post("/api/v1/channels/pos/messages", json=pos_message(),
                        headers={"X-API-Key": "demo-web"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong_channel")
    ok = client.post("/api/v1/channels/pos/messages", json=pos_message(),
                     headers={"X-API-Key": "demo-pos"})
    assert ok.status_code == 201


def test_the_channel_key_is_an_openapi_security_scheme(client):
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["channelKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-API-Key")
    for path in ("/api/v1/appeals", "/api/v1/channels/pos/messages",
                 "/api/v1/channels/email/messages", "/api/v1/channels/incident/imports"):
        assert document["paths"][path]["post"]["security"] == [{"channelKey": []}], path


def test_a_pos_message_keeps_the_person_in_the_vault_and_a_pseudonym_on_the_log(client, intake):
    response = client.post("/api/v1/channels/pos/messages", json=pos_message(
        text="Не горит фонарь, звоните +7 (903) 123-45-67 или m.ivanova@example.ru"),
        headers={"X-API-Key": "demo-pos"})
    [payload] = log_payloads(intake)
    flat = json.dumps(payload, ensure_ascii=False)
    for secret in ("Иванова", "Мария", "m.ivanova@example.ru", "123-45-67", "1000123456",
                   "кв. 12", "Школьная, 7"):
        assert secret not in flat
    assert payload["applicant_id"] and payload["location"] == {
        "territory": "Почтовское сельское поселение", "latitude": 47.58, "longitude": 41.1}
    assert "[телефон]" in payload["text"] and "[e-mail]" in payload["text"]
    appeal_id = response.json()["appeal_id"]
    person = intake.vault.read(__import__("uuid").UUID(appeal_id), "u-coord", "ответ заявителю")
    assert (person.last_name, person.address) == ("Иванова", "ул. Школьная, 7, кв. 12")
    assert intake.vault.access_log()[0]["why"] == "ответ заявителю"


def test_the_same_problem_from_the_same_person_within_the_window_is_a_repeat(client, intake):
    first = client.post("/api/v1/channels/pos/messages", json=pos_message(1),
                        headers={"X-API-Key": "demo-pos"}).json()
    second = client.post("/api/v1/channels/pos/messages", json=pos_message(
        2, created_at=(NOW + timedelta(days=10)).isoformat()), headers={"X-API-Key": "demo-pos"}).json()
    other_topic = client.post("/api/v1/channels/pos/messages", json=pos_message(
        3, category="Водоснабжение"), headers={"X-API-Key": "demo-pos"}).json()
    late = client.post("/api/v1/channels/pos/messages", json=pos_message(
        4, created_at=(NOW + timedelta(days=45)).isoformat()), headers={"X-API-Key": "demo-pos"}).json()
    assert second["repeat_of"] == first["appeal_id"]
    assert other_topic["repeat_of"] is None
    assert late["repeat_of"] is None  # 35 days after the latest earlier one: outside the window
    assert log_payloads(intake)[1]["repeat_of"] == first["appeal_id"]


def test_erasing_a_person_makes_their_data_unreadable(intake):
    import uuid

    vault = intake.vault
    applicant = Applicant(last_name="Петров", phone="8 (903) 111-22-33")
    pid = vault.pseudonym(applicant)
    assert vault.pseudonym(Applicant(phone="+7 903 111 22 33")) == pid  # same person, same id
    appeal = uuid.uuid4()
    vault.store(pid, appeal, applicant)
    assert vault.erase(pid, "u-admin", "запрос субъекта ПДн (ст. 21 152-ФЗ)") == 1
    assert vault.read(appeal, "u-coord", "проверка") is None
    with pytest.raises(VaultError):
        vault.read(appeal, "u-coord", " ")


def test_text_and_coordinates_lose_what_identifies_a_person():
    assert redact("тел. 8-903-111-22-33, почта a.b@mail.ru; дом 12") == \
        "тел. [телефон], почта [e-mail]; дом 12"
    assert coarse(47.581234) == 47.58 and coarse(None) is None


def _validator(name: str) -> Draft7Validator:
    schema = json.loads((OPEN311 / f"schema_georeport-v2_{name}.json").read_text())
    store = {f"{n}.json": json.loads((OPEN311 / f"schema_georeport-v2_{n}.json").read_text())
             for n in ("service", "request")}
    return Draft7Validator(schema, resolver=RefResolver("", schema, store=store))


def test_open311_responses_validate_against_the_georeport_schemas(client):
    services = client.get("/open311/v2/services.json").json()
    _validator("services").validate(services)
    created = client.post("/open311/v2/requests.json", data={
        "api_key": "demo-open311", "service_code": services[0]["service_code"],
        "lat": "47.58", "long": "41.1", "description": "Яма на дороге у остановки",
        "email": "a@example.ru"})
    assert created.status_code == 201
    request_id = created.json()[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{request_id}.json").json()
    _validator("requests").validate(one)
    assert one[0]["status"] == "open" and one[0]["service_code"] == services[0]["service_code"]
    many = client.get("/open311/v2/requests.json", params={"service_request_id": request_id})
    _validator("requests").validate(many.json())


@pytest.mark.parametrize("form, status", [
    ({"api_key": "demo-pos", "service_code": "water", "lat": "1", "long": "2",
      "description": "x"}, 403),
    ({"api_key": "demo-open311", "service_code": "nope", "lat": "1", "long": "2",
      "description": "x"}, 400),
    ({"api_key": "demo-open311", "service_code": "water", "description": "нет места"}, 400),
    ({"api_key": "demo-open311", "service_code": "water", "lat": "север", "long": "2",
      "description": "x"}, 400),
])
def test_bad_open311_requests_get_georeport_errors(client, form, status):
    response = client.post("/open311/v2/requests.json", data=form)
    assert response.status_code == status
    assert response.json()[0]["code"] == status and response.json()[0]["description"]


def test_an_unknown_open311_request_is_404_but_a_store_failure_is_not(intake):
    from fastapi.testclient import TestClient

    from tests.support.intake import http_client

    client = http_client(intake)
    assert client.get("/open311/v2/requests/nope.json").status_code == 404

    def broken(*args, **kwargs):
        raise OSError("диск недоступен")

    intake.load_many = broken
    failing = TestClient(client.app, raise_server_exceptions=False)
    answer = failing.get("/open311/v2/requests/nope.json")
    assert answer.status_code == 500  # in GeoReport's shape, as every Open311 answer
    assert answer.json()[0]["code"] == 500 and "повторите" in answer.json()[0]["description"]


def _open311_request(client, **form) -> str:
    services = client.get("/open311/v2/services.json").json()
    created = client.post("/open311/v2/requests.json", data={
        "api_key": "demo-open311", "service_code": services[0]["service_code"],
        "lat": "47.58", "long": "41.1", "description": "Яма на дороге у остановки"} | form)
    assert created.status_code == 201, created.text
    return created.json()[0]["service_request_id"]


def test_open311_serves_json_with_charset_and_georeport_errors_everywhere(client):
    services = client.get("/open311/v2/services.json")
    assert services.headers["content-type"] == "application/json; charset=utf-8"
    for path in ("/open311/v2/services/water.json", "/open311/v2/services/nope.json",
                 "/open311/v2/no-such-thing.json"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
        [error] = answer.json()
        assert error["code"] == 404 and error["description"]


def test_an_open311_description_over_4000_characters_is_refused(client):
    services = client.get("/open311/v2/services.json").json()
    answer = client.post("/open311/v2/requests.json", data={
        "api_key": "demo-open311", "service_code": services[0]["service_code"],
        "lat": "47.58", "long": "41.1", "description": "я" * 4100})
    assert answer.status_code == 400
    assert "4000" in answer.json()[0]["description"]


def test_open311_requests_are_listed_without_ids_with_the_optional_filters(client):
    first, second = _open311_request(client), _open311_request(client)
    listed = client.get("/open311/v2/requests.json")
    assert listed.status_code == 200
    _validator("requests").validate(listed.json())
    assert {first, second} <= {r["service_request_id"] for r in listed.json()}
    code = listed.json()[0]["service_code"]
    assert {r["service_request_id"] for r in client.get("/open311/v2/requests.json", params={
        "status": "open", "service_code": code}).json()} >= {first, second}
    assert client.get("/open311/v2/requests.json", params={"status": "closed"}).json() == []
    past = client.get("/open311/v2/requests.json", params={
        "start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"})
    assert past.json() == []
    too_long = client.get("/open311/v2/requests.json", params={
        "start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"})
    assert too_long.status_code == 400 and "90" in too_long.json()[0]["description"]


def test_open311_shows_the_agency_routing_chose_and_the_deadline_sla_set(client, intake):
    from datetime import UTC, datetime

    from contracts.vocabulary import Channel
    from kit.unit_of_work import UnitOfWork
    from services.intake.domain.appeal import appeal_id_for
    from tests.support.envelopes import AppealStory

    request_id = _open311_request(client)
    story = AppealStory(appeal_id_for(Channel.OPEN311, request_id))
    now = datetime(2026, 11, 16, 9, tzinfo=UTC)
    unit = UnitOfWork(intake)
    for envelope in (story.event("AppealRouted", now, recipient_id="dep"),
                     story.event("DeadlineSet", now, stage="answer",
                                 due_at="2026-11-23T20:59:59+00:00")):
        intake.react(envelope, unit)
    intake.save(*unit.aggregates())
    [one] = client.get(f"/open311/v2/requests/{request_id}.json").json()
    _validator("requests").validate([one])
    assert one["agency_responsible"] == "Отдел ЖКХ"  # the directory's name, not its id
    assert one["expected_datetime"] == "2026-11-23T20:59:59+00:00"


def test_open311_carries_the_published_answer_and_the_answer_is_delivered_there(client, intake):
    """GeoReport's way back to the applicant is the request itself: its status_notes carry
    the published answer (issue 23), recorded as delivered through Open311."""
    from datetime import UTC, datetime

    from contracts import decode, encode
    from contracts.vocabulary import Channel
    from kit.outbox import envelope_of
    from kit.unit_of_work import UnitOfWork
    from services.intake.domain.appeal import appeal_id_for
    from tests.support.envelopes import AppealStory

    request_id = _open311_request(client)
    story = AppealStory(appeal_id_for(Channel.OPEN311, request_id))
    now = datetime(2026, 11, 16, 9, tzinfo=UTC)
    answer = "Яма заделана 20.11.2026, акт приёмки работ № 17."
    for envelope in (story.event("AnswerDrafted", now, draft_id="d-1", text=answer),
                     story.event("AnswerPublished", now, draft_id="d-1")):
        unit = UnitOfWork(intake)
        intake.react(decode(encode(envelope)), unit)
        intake.save(*unit.aggregates())
    [one] = client.get(f"/open311/v2/requests/{request_id}.json").json()
    _validator("requests").validate([one])
    assert one["status_notes"] == answer and one["status"] == "open"
    delivered = [e for n in intake.notifications_after(0, 10_000)
                 if (e := envelope_of("intake", intake.domain_event(n))) is not None
                 and e.event_type == "AnswerDelivered"]
    assert [(e.payload["channel"], e.payload["draft_id"]) for e in delivered] == [
        ("open311", "d-1")]
