"""Every staff door of every service that names an appeal × every person whose roles do not
reach it: 0 reads, 0 writes, and the answer is the one a missing appeal gets.

The doors are found in the services' routers themselves (every route with `{appeal_id}`),
so a door added later is in the matrix without editing this test.
"""

from __future__ import annotations

import uuid

import pytest

from kit.privacy import redactor
from kit.clock import FixedClock
from services.intake.application import IntakeApplication
from services.intake.adapters.vault import PersonalDataVault
from services.intake.adapters.vault_storage import SqliteStorage
from tests.support.sla import sla_app
from tests.support.intake import AUTHOR, NOW, http_client, route_registrations, shipped_classifier
from tests.support.routing import directory, routing_app, who
from tests.support.doors import (call, clients, doors as door_list,
                                 refused_like_a_missing_appeal, set_deadlines)
from tests.support.routing import deployment as directory_deployment

# People of the test directory whose roles reach an appeal held by organisation "other",
# not assigned, of the roads block, come by e-mail: the holder's coordinator and the
# roles that see every appeal.
REACHING = {"p-other-coord", "p-mcu-coord", "p-mcu_head", "p-auditor", "p-analyst",
            "p-deadline_controller",
            "p-regional_curator", "p-regional_analyst", "p-regional_auditor"}  # the region's


@pytest.fixture
def world(tmp_path):
    """Intake (with the vault), routing and SLA on one appeal, each service's HTTP face."""
    intake = IntakeApplication(redactor=redactor(), classifier=shipped_classifier(), deployment=directory_deployment(),
                               env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                               clock=FixedClock(NOW),
                               vault=PersonalDataVault(SqliteStorage(tmp_path / "vault.db")))
    routing = routing_app(FixedClock(NOW))
    sla = sla_app(FixedClock(NOW), directory=directory())
    intake_client = http_client(intake, routing)
    accepted = intake_client.post("/api/v1/appeals", headers={"X-API-Key": "demo-email"}, json={
        "channel": "email", "external_id": "M-1", "kind": "official",
        "text": "Яма на дороге у остановки", "applicant": AUTHOR})
    assert accepted.status_code == 201, accepted.text
    appeal = uuid.UUID(accepted.json()["appeal_id"])
    route_registrations(intake, routing)
    set_deadlines(intake, sla)
    routing.command("reroute", appeal, who(routing, "p-mcu-coord"), recipient_id="other",
                    reason="по компетенции")
    assert routing.workflow(appeal).facts["thematic_block"] != "ЖКХ"
    return {"appeal": appeal, "routing": routing, "sla": sla, "intake": intake,
            "clients": clients(intake_client, routing, sla)}


def _state(world) -> tuple:
    appeal = world["appeal"]
    return (world["routing"].workflow(appeal).version,
            world["sla"].max_notification_id(),
            [e["action"] for e in world["intake"].vault.access_log(1000)].count("read"))


def test_no_door_lets_a_person_out_of_reach_read_or_write(world):
    people = sorted(set(world["routing"].deployment.people) - REACHING)
    doors = door_list(world["clients"])
    assert {door[0] for door in doors} == {"routing", "sla", "intake"} and len(doors) >= 20
    before, leaks, checked = _state(world), [], 0
    for door in doors:
        client = world["clients"][door[0]]
        for person in people:
            foreign = call(client, door, world["appeal"], f"token-{person}")
            unknown = call(client, door, uuid.uuid4(), f"token-{person}")
            checked += 1
            if not refused_like_a_missing_appeal(foreign, unknown):
                leaks.append((door, person, foreign.status_code, foreign.json()))
    assert leaks == []
    assert _state(world) == before  # nothing written, nothing of the applicant read
    assert checked == len(doors) * len(people) and checked >= 200


def test_the_people_who_reach_it_do_get_through(world):
    client = world["clients"]["routing"]
    for person in sorted(REACHING):
        view = client.get(f"/api/v1/appeals/{world['appeal']}",
                          headers={"Authorization": f"Bearer token-{person}"})
        assert view.status_code == 200, (person, view.text)
