"""The autorule dry run over a municipality's recent appeals, through routing's door."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.intake.domain.commands import RegisterAppeal
from tests.support.intake import route_registrations
from tests.support.routing import http_api
from tests.unit.test_tenancy import world

HEAD = {"Authorization": "Bearer demo-u-head"}


def setup():
    intake, routing, _ = world()
    for n, topic in enumerate(["Ямы и выбоины на дорогах", "Уличное освещение",
                               "Ямы и выбоины на дорогах"]):
        intake.register(RegisterAppeal(channel="web", external_id=f"D-{n}",
                                       municipality="konstantinovsky", topic=topic,
                                       text=f"Обращение {n}"))
    route_registrations(intake, routing)
    return routing, TestClient(http_api(routing))


def test_a_candidate_rule_set_shows_which_appeals_would_go_elsewhere():
    routing, client = setup()
    rules = "rules:\n  - id: roads-to-arch\n    topics: [Ямы и выбоины на дорогах]\n    recipient: adm-arch\n"
    answer = client.post("/api/v1/autorules/dry-run", headers=HEAD,
                         json={"rules": rules, "days": 30})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["appeals"] == 3
    roads = [m for m in found["items"] if m["rule_id"] == "roads-to-arch"]
    assert len(roads) == 2 and {m["routed_to"] for m in roads} == {"adm-gkh"}
    assert all(m["would_go_to"] == "adm-arch" and m["breaks"] for m in roads)
    # the lighting appeal matches no candidate rule: the MCU's coordinators would get it
    assert any(m["would_go_to"] == "mcu" for m in found["items"])


def test_the_rules_in_force_move_nothing_and_a_broken_candidate_is_refused_in_russian():
    routing, client = setup()
    import yaml

    current = yaml.safe_dump({"rules": client.get("/api/v1/autorules", headers=HEAD).json()[
        "rules"]}, allow_unicode=True)
    same = client.post("/api/v1/autorules/dry-run", headers=HEAD, json={"rules": current})
    assert same.status_code == 200 and same.json()["moved"] == 0, same.text
    bad = client.post("/api/v1/autorules/dry-run", headers=HEAD, json={
        "rules": "rules:\n  - id: x\n    recipient: nowhere\n"})
    assert bad.status_code == 422 and "неизвестный получатель nowhere" in bad.json()["detail"]
    executor = client.post("/api/v1/autorules/dry-run", json={"rules": current},
                           headers={"Authorization": "Bearer demo-u-adm-gkh-exec1"})
    assert executor.status_code == 403


def test_a_candidate_that_is_not_yaml_is_a_422_naming_why():
    _, client = setup()
    answer = client.post("/api/v1/autorules/dry-run", headers=HEAD,
                         json={"rules": "§ï\U000f12fb\nÕK\u0019"})
    assert answer.status_code == 422 and "не YAML" in answer.json()["detail"]
