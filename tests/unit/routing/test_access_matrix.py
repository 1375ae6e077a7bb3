"""Every command × every role: a role without the right is refused with `forbidden_role`
and nothing changes; a role with it is never refused for its role."""

from __future__ import annotations

import uuid

import pytest

from contracts.vocabulary import Role
from kit.clock import FixedClock
from services.routing.domain.commands import BY_NAME
from services.routing.domain.errors import RoutingError
from tests.support.routing import NOW, registered, routing_app, who

ARGS = {
    "assign": {"executor_id": "p-executor"}, "reroute": {"recipient_id": "other", "reason": "x"},
    "return_executor": {"reason": "x"}, "return_subordinate": {"reason": "x"},
    "dispute": {"argument": "x"}, "resolve_dispute": {"recipient_id": "other", "decision": "x"},
    "draft": {"text": "ответ"}, "send_for_approval": {}, "approve": {},
    "return_for_rework": {"criteria": ["formal"]}, "publish": {},
    "postpone": {"reason": "x", "until": __import__("datetime").date(2027, 5, 1)},
    "transfer": {"authority": "ГКУ", "reason": "x"},
    "leave_without_answer": {"legal_ground": "ст. 11"}, "rate": {"score": 5},
    "reopen": {"reason": "x"}, "reclassify": {"topic": "Свалки", "reason": "x"},
    "mark_repeat": {"repeat_of": "00000000-0000-0000-0000-000000000001", "reason": "x"},
}
STATE = {  # commands run before, by people allowed to, to reach a state where the command fits
    "return_executor": [("assign", "p-coordinator", {"executor_id": "p-executor"})],
    "return_subordinate": [("assign", "p-coordinator", {"subordinate_id": "sp"})],
    "dispute": [("assign", "p-coordinator", {"executor_id": "p-executor"})],
    "resolve_dispute": [("assign", "p-coordinator", {"executor_id": "p-executor"}),
                        ("dispute", "p-executor", {"argument": "x"})],
    "draft": [("assign", "p-coordinator", {"executor_id": "p-executor"})],
}
ANSWERING = [("assign", "p-coordinator", {"executor_id": "p-executor"}),
             ("draft", "p-executor", {"text": "ответ"})]
STATE["send_for_approval"] = ANSWERING
STATE["approve"] = STATE["return_for_rework"] = ANSWERING + [("send_for_approval", "p-executor", {})]
STATE["publish"] = STATE["approve"] + [("approve", "p-approver", {})]
STATE["rate"] = STATE["reopen"] = STATE["publish"] + [("publish", "p-approver", {})]

CASES = [(c, r) for c in BY_NAME for r in Role]


@pytest.mark.parametrize("command, role", CASES, ids=[f"{c}-{r.value}" for c, r in CASES])
def test_command_by_role(command, role):
    app = routing_app(FixedClock(NOW))
    appeal = registered(app)
    for step, person, args in STATE.get(command, []):
        app.command(step, appeal.appeal_id, who(app, person), **args)
    version = app.workflow(appeal.appeal_id).version
    try:
        app.command(command, appeal.appeal_id, who(app, f"p-{role.value}"), **ARGS[command])
        outcome = "done"
    except RoutingError as refusal:
        outcome = refusal.code
    if role in BY_NAME[command].roles:
        assert outcome != "forbidden_role"
    else:
        assert outcome == "forbidden_role"
        assert app.workflow(appeal.appeal_id).version == version  # nothing changed


def test_scope_a_coordinator_of_another_organisation_cannot_act():
    app = routing_app(FixedClock(NOW))
    appeal = registered(app)
    with pytest.raises(RoutingError) as refusal:
        app.command("assign", appeal.appeal_id, who(app, "p-other-coord"), executor_id="p-executor")
    unknown = pytest.raises(RoutingError)
    with unknown as missing:
        app.command("assign", __import__("uuid").uuid4(), who(app, "p-other-coord"),
                    executor_id="p-executor")
    # out of reach is answered exactly as a missing appeal: nothing tells that it exists
    assert (refusal.value.code, refusal.value.status, str(refusal.value)) == (
        missing.value.code, missing.value.status, str(missing.value)) == (
        "appeal_not_found", 404, "Обращение не найдено")
    assert app.command("assign", appeal.appeal_id, who(app, "p-mcu-coord"),
                       executor_id="p-executor").status == "assigned"  # the MCU's own: anywhere


def _reach(app, appeal, person: str) -> frozenset[Role]:
    """The roles routing answers for; none is the answer for a missing appeal."""
    try:
        return app.scope(appeal, who(app, person))
    except RoutingError as refusal:
        assert (refusal.code, refusal.status) == ("appeal_not_found", 404)
        return frozenset()


def test_the_scope_other_services_ask_for_follows_the_holder_and_the_assignment():
    app = routing_app(FixedClock(NOW))
    appeal = registered(app).appeal_id  # routed to "dep" by the rule
    reach = {p: _reach(app, appeal, p) for p in (
        "p-coordinator", "p-executor", "p-approver", "p-other-coord", "p-mcu-coord",
        "p-auditor", "p-administrator")}
    assert reach == {"p-coordinator": {Role.COORDINATOR}, "p-executor": set(),
                     "p-approver": {Role.APPROVER}, "p-other-coord": set(),
                     "p-mcu-coord": {Role.COORDINATOR}, "p-auditor": {Role.AUDITOR},
                     "p-administrator": set()}
    app.command("assign", appeal, who(app, "p-coordinator"), executor_id="p-executor")
    assert _reach(app, appeal, "p-executor") == {Role.EXECUTOR}
    assert _reach(app, appeal, "p-executor-2") == set()
    with pytest.raises(RoutingError, match="не найдено"):
        app.scope(uuid.uuid4(), who(app, "p-coordinator"))


def test_a_channels_integration_rates_only_its_channels_appeals():
    app = routing_app(FixedClock(NOW))
    ours, foreign = registered(app, channel="pos"), registered(app, channel="email")
    for appeal in (ours, foreign):
        for step, person, args in STATE["rate"]:
            app.command(step, appeal.appeal_id, who(app, person), **args)
    assert app.command("rate", ours.appeal_id, who(app, "p-applicant"), score=5).status
    with pytest.raises(RoutingError) as refusal:
        app.command("rate", foreign.appeal_id, who(app, "p-applicant"), score=1)
    assert refusal.value.code == "appeal_not_found"
    assert app.workflow(foreign.appeal_id).status == "answered"
    assert [i.appeal_id for i in app.queue(who(app, "p-applicant"))] == []  # ours is rated
