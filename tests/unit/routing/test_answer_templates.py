"""Answer templates: checked, kept with revisions, fitted to the appeal's topic and filled
from it; only the administrator changes them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.intake.domain.commands import RegisterAppeal
from services.routing.domain.answer_templates import AnswerTemplate, TemplateError, parse
from tests.support.intake import route_registrations
from tests.support.routing import http_api
from tests.unit.test_tenancy import world

ADMIN = {"Authorization": "Bearer demo-u-mcu-admin"}
ROADS = {"id": "roads", "title": "Ямочный ремонт", "topics": ["Ямы и выбоины на дорогах"],
         "approved": True, "text": "По обращению № {номер} от {дата} ({тема}, {территория}):"
                                   " ремонт запланирован. Исполнитель: {исполнитель}."}


def test_a_placeholder_typo_or_a_twice_used_id_is_refused_with_what_exists():
    with pytest.raises(TemplateError) as typo:
        parse({"templates": [{**ROADS, "text": "№ {номр}"}]})
    assert "неизвестные подстановки {номр}" in str(typo.value) and "{номер}" in str(typo.value)
    with pytest.raises(TemplateError):
        parse({"templates": [ROADS, ROADS]})
    general = AnswerTemplate("any", "Любая", "Текст")
    assert general.fits("что угодно") and not parse({"templates": [ROADS]})[0].fits("Свет")


def test_templates_are_revised_by_the_administrator_and_filled_for_an_appeal():
    intake, routing, _ = world()
    appeal = intake.register(RegisterAppeal(
        channel="web", external_id="T-7", municipality="konstantinovsky",
        topic="Ямы и выбоины на дорогах", territory="г. Константиновск",
        text="Яма у дома")).appeal_id
    route_registrations(intake, routing)
    client = TestClient(http_api(routing))
    assert client.get("/api/v1/answer-templates", headers=ADMIN).json()["revision"] == 0
    saved = client.put("/api/v1/answer-templates", headers=ADMIN, json={"templates": [ROADS]})
    assert saved.status_code == 200 and saved.json()["revision"] == 1
    refused = client.put("/api/v1/answer-templates", json={"templates": []},
                         headers={"Authorization": "Bearer demo-u-head"})
    assert refused.status_code == 403
    typo = client.put("/api/v1/answer-templates", headers=ADMIN,
                      json={"templates": [{**ROADS, "text": "{номр}"}]})
    assert typo.status_code == 422 and "{номр}" in typo.json()["detail"]
    (filled,) = client.get(f"/api/v1/appeals/{appeal}/answer-templates",
                           headers={"Authorization": "Bearer demo-u-adm-gkh-coord"}).json()
    assert filled["rendered"].startswith("По обращению № T-7 от ")
    assert "(Ямы и выбоины на дорогах, г. Константиновск)" in filled["rendered"]
    stranger = client.get(f"/api/v1/appeals/{appeal}/answer-templates",
                          headers={"Authorization": "Bearer demo-gr-head"})
    assert stranger.status_code == 404
