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

import pytest

from contracts.vocabulary import Role
from services.intake.adapters.vault import PersonalDataVault
from services.intake.adapters.vault_storage import SqliteStorage
from services.intake.domain.commands import RegisterAppeal
from tests.support.doors import (call, clients, doors, refused_like_a_missing_appeal,
                                 set_deadlines)
from tests.support.intake import AUTHOR, http_client, route_registrations
from tests.unit.test_tenancy import deployment, world as tenancy_world

# roles that see every appeal of their municipality: the people who would reach an appeal
# of another municipality if the tree did not stop them
WIDE = {Role.MCU_HEAD, Role.AUDITOR, Role.ANALYST, Role.DEADLINE_CONTROLLER,
        Role.ADMINISTRATOR}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    vault = PersonalDataVault(SqliteStorage(tmp_path_factory.mktemp("vault") / "vault.db"))
    intake, routing, sla = tenancy_world(vault)
    appeals = {m: intake.register(RegisterAppeal(
        channel="web", external_id=f"T-{m}", kind="official", municipality=m,
        text="Яма на дороге у остановки, прошу отремонтировать", applicant=AUTHOR)).appeal_id
        for m in deployment().municipalities}
    route_registrations(intake, routing)
    set_deadlines(intake, sla)
    return {"appeals": appeals, "routing": routing, "sla": sla, "intake": intake,
            "clients": clients(http_client(intake, routing), routing, sla)}


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
