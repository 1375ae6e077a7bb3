"""A regional deployment's doors × every municipality's appeal × the staff of the others:
0 reads, 0 writes, and the answer a missing appeal gets (issue 21's tenancy matrix).

One appeal in each of the demo deployment's municipalities, routed and with its deadlines,
its applicant's data in the vault. For each appeal, every door that names an appeal (found
in the services' OpenAPI documents) is called by every person of the other municipalities
whose roles see a whole municipality (who would reach it were it theirs), by the regional
staff of the other regions and by the deployment administrator.
"""

from __future__ import annotations

import uuid
from functools import cache

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contracts import decode, encode
from contracts.vocabulary import Role
from kit import problems
from kit.clock import FixedClock
from kit.deployment import load_deployment
from kit.outbox import envelope_of
from kit.privacy import redactor
from kit.scope import RoutingScope
from kit.settings import Settings
from kit.unit_of_work import UnitOfWork
from services.intake.adapters.vault import PersonalDataVault
from services.intake.adapters.vault_storage import SqliteStorage
from services.intake.application import IntakeApplication
from services.intake.domain.commands import RegisterAppeal
from services.routing.application import RoutingApplication
from services.routing.bootstrap import autorules
from services.sla.application import SlaApplication
from services.sla.bootstrap import tenants
from services.sla.entrypoints.http import router as sla_router
from tests.support.doors import call, doors, refused_like_a_missing_appeal
from tests.support.intake import AUTHOR, NOW, http_client, route_registrations, shipped_classifier
from tests.support.routing import http_api

# roles that see every appeal of their municipality: the people who would reach an appeal
# of another municipality if the tree did not stop them
WIDE = {Role.MCU_HEAD, Role.AUDITOR, Role.ANALYST, Role.DEADLINE_CONTROLLER,
        Role.ADMINISTRATOR}


@cache
def deployment():
    return load_deployment()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d, env = deployment(), {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    vault = PersonalDataVault(SqliteStorage(tmp_path_factory.mktemp("vault") / "vault.db"))
    intake = IntakeApplication(env=env, clock=FixedClock(NOW), redactor=redactor(),
                               classifier=shipped_classifier(), deployment=d, vault=vault)
    routing = RoutingApplication(env=env, deployment=d, rules=autorules(d)[0],
                                 clock=FixedClock(NOW))
    sla = SlaApplication(env=env, deployment=d, tenants=tenants(Settings(_env_file=None), d),
                         clock=FixedClock(NOW))
    appeals = {m: intake.register(RegisterAppeal(
        channel="web", external_id=f"T-{m}", kind="official", municipality=m,
        text="Яма на дороге у остановки, прошу отремонтировать", applicant=AUTHOR)).appeal_id
        for m in d.municipalities}
    route_registrations(intake, routing)
    for n in intake.notifications_after(0, 100):
        stored = envelope_of("intake", intake.domain_event(n))
        if stored is not None and stored.event_type == "AppealRegistered":
            unit = UnitOfWork(sla)
            sla.react(decode(encode(stored)), unit)  # as the consumer reads the log
            sla.save(*unit.aggregates())
    scope = RoutingScope("http://routing", httpx.AsyncClient(
        transport=httpx.ASGITransport(app=http_api(routing))))
    sla_api = FastAPI()
    problems.install(sla_api)
    sla_api.include_router(sla_router(sla, d, scope))
    clients = {"routing": TestClient(http_api(routing)), "sla": TestClient(sla_api),
               "intake": http_client(intake, routing)}
    return {"appeals": appeals, "routing": routing, "sla": sla, "intake": intake,
            "clients": clients}


def outsiders(municipality: str) -> list[str]:
    """Who must not reach an appeal of `municipality` and would, were it theirs."""
    d = deployment()
    return sorted(p.id for p in d.people.values()
                  if not d.reaches(p, municipality)
                  and (p.municipality is None or p.organization == "mcu" or p.roles & WIDE))


def state(world) -> tuple:
    routing = world["routing"]
    return (tuple(routing.workflow(a).version for a in world["appeals"].values()),
            world["sla"].max_notification_id(),
            [e["action"] for e in world["intake"].vault.access_log(1000)].count("read"))


def test_no_door_lets_another_municipality_or_region_read_or_write(world):
    found = doors(world["clients"])
    assert {door[0] for door in found} == {"routing", "sla", "intake"} and len(found) >= 20
    before, leaks, checked, missing = state(world), [], 0, {}
    for municipality, appeal in world["appeals"].items():
        people = outsiders(municipality)
        assert {"r-krasnoyarsk-curator", "d-admin"} <= set(people) or municipality == "sosnovoborsk"
        for door in found:
            client = world["clients"][door[0]]
            for person in people:
                token = f"demo-{person}"
                if (door, person) not in missing:
                    missing[door, person] = call(client, door, uuid.uuid4(), token)
                foreign = call(client, door, appeal, token)
                checked += 1
                if not refused_like_a_missing_appeal(foreign, missing[door, person]):
                    leaks.append((municipality, door, person, foreign.status_code))
    assert leaks == []
    assert state(world) == before  # nothing written, nothing of an applicant read
    assert checked >= 4 * 20 * 20


def test_each_municipalitys_staff_and_its_region_do_reach_it(world):
    client = world["clients"]["routing"]
    reaching = {"konstantinovsky": ["u-mcu-coord", "r-rostov-curator", "r-rostov-auditor"],
                "semikarakorsky": ["sm-mcu-coord", "sm-head", "r-rostov-analyst"],
                "sosnovoborsk": ["ss-mcu-coord", "r-krasnoyarsk-curator"],
                "grozny": ["gr-head", "r-chechnya-curator"]}
    for municipality, people in reaching.items():
        for person in people:
            view = client.get(f"/api/v1/appeals/{world['appeals'][municipality]}",
                              headers={"Authorization": f"Bearer demo-{person}"})
            assert view.status_code == 200, (municipality, person, view.text)
            assert view.json()["municipality"] == municipality
