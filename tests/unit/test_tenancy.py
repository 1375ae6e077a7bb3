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


def world():
    d = deployment()
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    intake = IntakeApplication(env=env, clock=FixedClock(NOW), redactor=redactor(),
                               classifier=shipped_classifier(), deployment=d)
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
