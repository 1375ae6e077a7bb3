"""A regional deployment: each municipality's items are its own, its staff see only its
appeals, a region's staff see the region's, deadlines follow each municipality's zone and
regional calendar (issue 21)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest

from contracts import decode, encode
from kit.clock import FixedClock
from kit.deployment import load_deployment
from kit.outbox import envelope_of
from kit.privacy import redactor
from kit.unit_of_work import UnitOfWork
from services.intake.application import IntakeApplication, RegistrationRefused
from services.intake.domain.commands import RegisterAppeal
from services.routing.application import RoutingApplication
from services.routing.bootstrap import autorules
from services.routing.domain.errors import RoutingError
from services.sla.bootstrap import tenants
from services.sla.application import SlaApplication
from services.sla.domain.terms import Term
from kit.settings import Settings
from tests.support.intake import shipped_classifier

NOW = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)  # Monday


@cache
def deployment():
    return load_deployment()


def world(vault=None):
    d = deployment()
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    intake = IntakeApplication(env=env, clock=FixedClock(NOW), redactor=redactor(),
                               classifier=shipped_classifier(), deployment=d, vault=vault)
    routing = RoutingApplication(env=env, deployment=d, rules=autorules(d)[0],
                                 clock=FixedClock(NOW))
    sla = SlaApplication(env=env, deployment=d, tenants=tenants(Settings(_env_file=None), d),
                         clock=FixedClock(NOW))
    return intake, routing, sla


def deliver(intake, *services):
    """Intake's events as the log carries them, to each service's reaction."""
    for n in intake.notifications_after(0, 10_000):
        stored = envelope_of("intake", intake.domain_event(n))
        if stored is None:
            continue
        envelope = decode(encode(stored))
        for app in services:
            unit = UnitOfWork(app)
            app.react(envelope, unit)
            app.save(*unit.aggregates())


def web(n: int, municipality: str | None, **more) -> RegisterAppeal:
    return RegisterAppeal(channel="web", external_id=f"W-{municipality}-{n}",
                          text="Не горит фонарь у школы", municipality=municipality, **more)


def test_each_channel_names_its_municipality_and_an_unknown_one_is_refused():
    intake, _, _ = world()
    items = [
        RegisterAppeal(channel="pos", external_id="P-1", text="Яма на дороге",
                       addressed_to="1022002544439"),  # г. Грозный's ПОС organisation
        RegisterAppeal(channel="incident", external_id="I-1", text="Мусор",
                       addressed_to="г.  Сосновоборск"),  # spacing does not matter
        RegisterAppeal(channel="email", external_id="E-1", text="Письмо",
                       addressed_to="PRIEMNAYA@semikarakorsk.example.ru"),
        RegisterAppeal(channel="open311", external_id="O-1", text="Фонарь",
                       addressed_to="konstantinovsky.rostov.example.ru"),
        web(1, "grozny"),
        RegisterAppeal(channel="pos", external_id="P-2", text="Яма", addressed_to="000"),
        RegisterAppeal(channel="email", external_id="E-2", text="Письмо без адресата"),
        web(2, None),
        web(3, "atlantis"),
    ]
    results = intake.register_many(items)
    found = [intake.repository.get(r.appeal_id).municipality
             if not isinstance(r, Exception) else r for r in results]
    assert found[:5] == ["grozny", "sosnovoborsk", "semikarakorsky", "konstantinovsky",
                         "grozny"]
    refused = found[5:]
    assert all(isinstance(r, RegistrationRefused) for r in refused)  # never guessed
    reasons = [r.errors[0]["reason"] for r in refused]
    assert "«000» не относится ни к одному муниципалитету" in reasons[0]
    assert "у письма нет адресата" in reasons[1]
    assert "не указан муниципалитет" in reasons[2]
    assert "муниципалитета «atlantis» нет" in reasons[3]


def test_staff_see_only_their_municipality_and_a_region_sees_its_own():
    intake, routing, _ = world()
    ids = {m: intake.register(web(1, m)).appeal_id for m in deployment().municipalities}
    deliver(intake, routing)
    people = deployment().people
    for appeal_municipality, appeal in ids.items():
        for person in people.values():
            reach = deployment().reach(person)
            try:
                routing.history(appeal, person)
                seen = True
            except RoutingError as refusal:
                seen = False
                assert refusal.code in ("appeal_not_found", "forbidden_role")
            if appeal_municipality not in reach:
                assert not seen, (person.id, appeal_municipality)  # 0 leaks
    head = people["gr-head"]
    assert routing.history(ids["grozny"], head)["municipality_name"] == "г. Грозный"
    regional = people["r-rostov-curator"]
    assert routing.history(ids["semikarakorsky"], regional)["status"] == "routed"
    with pytest.raises(RoutingError) as refused:
        routing.history(ids["grozny"], regional)
    assert refused.value.code == "appeal_not_found"  # the same answer as a missing appeal
    assert routing.queue(people["sm-mcu-coord"]) == [] or all(
        item.municipality == "semikarakorsky" for item in routing.queue(people["sm-mcu-coord"]))


def test_a_command_cannot_reach_another_municipalitys_appeal():
    intake, routing, _ = world()
    theirs = intake.register(web(1, "sosnovoborsk")).appeal_id
    deliver(intake, routing)
    with pytest.raises(RoutingError) as refused:
        routing.command("reroute", theirs, deployment().people["u-mcu-coord"],
                        recipient_id="adm-gkh", reason="по компетенции")
    assert refused.value.code == "appeal_not_found"


def test_each_municipality_routes_by_its_own_autorules_to_its_own_recipients():
    intake, routing, _ = world()
    a = intake.register(web(1, "grozny", topic="Ямы и выбоины на дорогах")).appeal_id
    b = intake.register(web(1, "konstantinovsky", topic="Ямы и выбоины на дорогах")).appeal_id
    deliver(intake, routing)
    assert routing.workflow(a).recipient_id == "dzhkh"  # Грозный's housing department
    assert routing.workflow(b).recipient_id == "adm-gkh"


def test_a_republics_holiday_moves_a_term_and_the_deadline_names_its_calendar():
    """Ураза-байрам (20.03.2026) is a non-working day in Чеченская Республика only."""
    intake, _, sla = world()
    grozny = intake.register(web(1, "grozny", kind="official")).appeal_id
    konst = intake.register(web(1, "konstantinovsky", kind="official")).appeal_id
    deliver(intake, sla)
    g, k = sla.deadline(grozny), sla.deadline(konst)
    assert g.calendars["answer"] != k.calendars["answer"]  # each names its calendar revision
    term = Term.parse("10wd")
    assert sla.tenant("grozny").calc.due(NOW, term).due.date().isoformat() == "2026-03-31"
    assert sla.tenant("konstantinovsky").calc.due(NOW, term).due.date().isoformat() \
        == "2026-03-30"
    calc = sla.tenant("grozny").calc
    day = calc.calendar.day(datetime(2026, 3, 20).date())
    assert not day.working and "Ураза-байрам" in day.reason
    assert sla.tenant("konstantinovsky").calc.calendar.day(day.date).working


def test_deadlines_are_computed_in_each_municipalitys_time_zone():
    _, _, sla = world()
    at = datetime(2026, 3, 16, 15, 30, tzinfo=UTC)  # 18:30 in Moscow, 22:30 in Krasnoyarsk
    moscow = sla.tenant("konstantinovsky").calc.due(at, Term.parse("1wd"))
    krasnoyarsk = sla.tenant("sosnovoborsk").calc.due(at, Term.parse("1wd"))
    assert str(krasnoyarsk.due.tzinfo) == "Asia/Krasnoyarsk"
    assert moscow.due.astimezone(UTC) != krasnoyarsk.due.astimezone(UTC)


def test_the_deployment_refuses_a_person_or_a_channel_id_claimed_twice(tmp_path):
    from kit.deployment import parse_deployment
    from kit.reference_files import ReferenceFileError
    import shutil
    import yaml

    source = deployment().source.parent
    for m in ("konstantinovsky", "grozny"):
        shutil.copytree(source / m, tmp_path / m)
    data = yaml.safe_load((source / "deployment.yaml").read_text(encoding="utf-8"))
    data["municipalities"] = [m for m in data["municipalities"]
                              if m["id"] in ("konstantinovsky", "grozny")]
    data["municipalities"][1]["channels"]["pos"] = ["1026101146446"]  # Константиновский's
    data["staff"].append({"id": "u-head", "name": "Двойник", "region": "rostov",
                          "roles": ["regional_curator"]})
    with pytest.raises(ReferenceFileError) as refused:
        parse_deployment(data, tmp_path)
    problems = " ".join(refused.value.problems)
    assert "канал pos «1026101146446» указан и у konstantinovsky, и у grozny" in problems
    assert "сотрудник u-head есть и в «развёртывание», и в «Константиновский район»" in problems


# -- the doors, tried as a stranger and as a careless client would ------------------------
def routing_client(routing):
    from fastapi.testclient import TestClient

    from tests.support.routing import http_api
    return TestClient(http_api(routing))


def bearer(person_id: str) -> dict:
    return {"Authorization": f"Bearer demo-{person_id}"}


def test_the_reference_doors_show_only_the_callers_part_of_the_tree():
    _, routing, _ = world()
    client = routing_client(routing)
    own = client.get("/api/v1/directory", headers=bearer("gr-head"))
    assert own.status_code == 200 and own.json()["municipality"] == "г. Грозный"
    assert all(p["id"].startswith("gr-") for p in own.json()["people"])
    for path in ("/api/v1/directory", "/api/v1/autorules"):
        foreign = client.get(path, params={"municipality": "konstantinovsky"},
                             headers=bearer("gr-head"))
        assert foreign.status_code == 404 and foreign.json()["code"] == "unknown_municipality"
        made_up = client.get(path, params={"municipality": "x" * 65}, headers=bearer("gr-head"))
        assert made_up.status_code == 422
        assert client.get(path, headers=bearer("r-rostov-curator")).status_code == 404
        theirs = client.get(path, params={"municipality": "semikarakorsky"},
                            headers=bearer("r-rostov-curator"))
        assert theirs.status_code == 200
    tree = client.get("/api/v1/deployment", headers=bearer("r-rostov-curator")).json()
    shown = {m["id"] for r in tree["regions"] for m in r["municipalities"]}
    assert shown == {"konstantinovsky", "semikarakorsky"}
    me = client.get("/api/v1/me", headers=bearer("r-rostov-curator")).json()
    assert me["region"] == "rostov" and me["reach"] == ["konstantinovsky", "semikarakorsky"]


def test_a_web_form_naming_a_municipality_badly_gets_a_clear_problem(tmp_path):
    from fastapi.testclient import TestClient

    from kit.runtime import http_app
    from kit.scope import RoutingScope
    from services.intake.bootstrap import service
    from services.intake.entrypoints.channel_keys import ChannelKeys

    from services.intake.adapters.vault import PersonalDataVault
    from services.intake.adapters.vault_storage import SqliteStorage

    intake, _, _ = world()
    intake.vault = PersonalDataVault(SqliteStorage(tmp_path / "vault.db"))
    client = TestClient(http_app(service(Settings(_env_file=None), intake, ChannelKeys(),
                                         RoutingScope("http://127.0.0.1:9"))))
    body = {"channel": "web", "external_id": "W-1", "text": "Яма у дома"}
    for municipality, reason in ((None, "не указан муниципалитет"),
                                 ("atlantis", "значение не из списка допустимых"),
                                 ("../../etc", "municipality")):
        sent = body | ({"municipality": municipality} if municipality else {})
        answer = client.post("/api/v1/appeals", json=sent, headers={"X-API-Key": "demo-web"})
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert reason in answer.text
    accepted = client.post("/api/v1/appeals", json=body | {"municipality": "grozny"},
                           headers={"X-API-Key": "demo-web"})
    assert accepted.status_code == 201  # the refusals above failed nothing else
    schema = client.get("/openapi.json").json()["components"]["schemas"]["RegisterAppeal"]
    listed = schema["properties"]["municipality"]["anyOf"][0]["enum"]
    assert listed == sorted(deployment().municipalities)  # the document says which are valid


def test_the_deadline_calculator_takes_a_municipality_and_refuses_an_unknown_one():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from kit import problems
    from kit.scope import RoutingScope
    from services.sla.entrypoints.http import router

    _, _, sla = world()
    api = FastAPI()
    problems.install(api)
    api.include_router(router(sla, deployment(), RoutingScope("http://127.0.0.1:9")))
    client = TestClient(api)
    asked = {"registered": "2026-03-16T10:00:00+03:00", "term": "10wd"}
    grozny = client.get("/api/v1/deadline", params=asked | {"municipality": "grozny"})
    konst = client.get("/api/v1/deadline", params=asked | {"municipality": "konstantinovsky"})
    assert grozny.json()["due"][:10] == "2026-03-31" and konst.json()["due"][:10] == "2026-03-30"
    unknown = client.get("/api/v1/deadline", params=asked | {"municipality": "atlantis"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_municipality"


def test_two_municipalities_numbering_their_items_alike_get_two_appeals():
    from contracts.vocabulary import Channel
    from services.intake.domain.appeal import appeal_id_for

    intake, _, _ = world()
    same = [RegisterAppeal(channel="web", external_id="W-1", text="Не горит фонарь у школы",
                           municipality=m) for m in ("semikarakorsky", "grozny")]
    first, second = intake.register_many(same)
    assert first.appeal_id != second.appeal_id and not (first.duplicate or second.duplicate)
    again = intake.register(same[1])
    assert again.appeal_id == second.appeal_id and again.duplicate  # a repeated delivery
    legacy = intake.register(web(7, "konstantinovsky"))  # its ids predate tenancy
    assert legacy.appeal_id == appeal_id_for(Channel.WEB, "W-konstantinovsky-7")
    assert intake.appeal(Channel.WEB, "W-1").municipality in ("semikarakorsky", "grozny")


def test_an_item_naming_no_known_municipality_is_refused_even_if_its_id_was_seen():
    intake, _, _ = world()
    intake.register(RegisterAppeal(channel="web", external_id="W-9", text="Фонарь",
                                   municipality="konstantinovsky"))
    refused = intake.register_many([RegisterAppeal(channel="web", external_id="W-9",
                                                   text="Фонарь", municipality="atlantis")])[0]
    assert isinstance(refused, RegistrationRefused)


def test_open311_readers_ask_by_jurisdiction_and_see_only_its_requests(tmp_path):
    from services.intake.adapters.vault import PersonalDataVault
    from services.intake.adapters.vault_storage import SqliteStorage
    from tests.support.intake import http_client

    intake, _, _ = world(PersonalDataVault(SqliteStorage(tmp_path / "vault.db")))
    client = http_client(intake)
    code = client.get("/open311/v2/services.json").json()[0]["service_code"]
    made = {}
    for m in ("konstantinovsky.rostov.example.ru", "grozny.chechnya.example.ru"):
        created = client.post("/open311/v2/requests.json", data={
            "api_key": "demo-open311", "service_code": code, "jurisdiction_id": m,
            "lat": "47.58", "long": "41.1", "description": "Яма на дороге у остановки"})
        assert created.status_code == 201, created.text
        made[m] = created.json()[0]["service_request_id"]
    window = {"start_date": "2026-03-10T00:00:00Z", "end_date": "2026-03-20T00:00:00Z"}
    grozny = client.get("/open311/v2/requests.json",
                        params={"jurisdiction_id": "grozny.chechnya.example.ru", **window})
    assert [r["service_request_id"] for r in grozny.json()] == [
        made["grozny.chechnya.example.ru"]]
    every = client.get("/open311/v2/requests.json", params=window).json()
    assert len(every) == 2
    other = made["konstantinovsky.rostov.example.ru"]
    assert client.get(f"/open311/v2/requests/{other}.json",
                      params={"jurisdiction_id": "grozny.chechnya.example.ru"}).status_code == 404
    unknown = client.get("/open311/v2/requests.json", params={"jurisdiction_id": "atlantis"})
    assert unknown.status_code == 400 and "не обслуживается" in unknown.json()[0]["description"]
    for path in ("/open311/v2/requests.json", f"/open311/v2/requests/{other}.json"):
        huge = client.get(path, params={"jurisdiction_id": "x" * 5000})  # careless or hostile
        assert huge.status_code == 400 and "слишком длинное" in huge.json()[0]["description"]
        documented = client.app.openapi()["paths"][path.replace(other, "{request_id}")]
        assert "400" in documented["get"]["responses"]
