"""Two writers of one routing store (a second instance, the consumer): a command that loses
the race for its appeal is decided again on the appeal as it now is, never a 500."""

from __future__ import annotations

import pytest

from kit.clock import FixedClock
from kit.directory import DEFAULT_ID
from kit.stores import COMMAND_CONFLICT_RETRIES, ConcurrentChange
from services.routing.application import RoutingApplication
from tests.support.routing import NOW, RULES, deployment, registered, who


def instance(tmp_path) -> RoutingApplication:
    """One of two processes sharing the store: its cache fast-forwards (PostgreSQL's way)."""
    return RoutingApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                   "SQLITE_DBNAME": str(tmp_path / "routing.sqlite"),
                                   "AGGREGATE_CACHE_MAXSIZE": "100"},
                              deployment=deployment(), rules={DEFAULT_ID: RULES},
                              clock=FixedClock(NOW))


def racing(first: RoutingApplication, second: RoutingApplication, appeal, times: int):
    """`first`'s next `times` saves find that `second` changed the appeal just before."""
    save, left = first.save, [times]

    def save_after_the_other(*aggregates, **kwargs):
        if left[0]:
            left[0] -= 1
            other = second.workflow(appeal)
            other.count_late_return(NOW)  # any change the other writer stores
            second.save(other)
        return save(*aggregates, **kwargs)

    first.save = save_after_the_other


def test_the_loser_of_a_race_is_decided_again_on_the_current_appeal(tmp_path):
    a, b = instance(tmp_path), instance(tmp_path)
    appeal = registered(a).appeal_id
    a.command("assign", appeal, who(a, "p-coordinator"), executor_id="p-executor")
    b.workflow(appeal)  # b has it cached
    racing(b, a, appeal, times=2)  # a changes it twice while b's coordinator reassigns
    done = b.command("assign", appeal, who(b, "p-coordinator"), executor_id="p-executor-2")
    stored = a.workflow(appeal)
    assert done.executor_id == stored.executor_id == "p-executor-2"
    assert stored.late_returns == 2  # the other writer's changes are kept too


def test_a_race_lost_every_time_is_a_clear_refusal(tmp_path):
    a, b = instance(tmp_path), instance(tmp_path)
    appeal = registered(a).appeal_id
    racing(b, a, appeal, times=COMMAND_CONFLICT_RETRIES)
    with pytest.raises(ConcurrentChange):
        b.command("reroute", appeal, who(b, "p-mcu-coord"), recipient_id="other",
                  reason="по компетенции")


def test_through_a_door_it_is_a_409_problem_in_russian():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from kit import problems

    api = FastAPI()
    problems.install(api)

    @api.post("/race")
    def race():
        raise ConcurrentChange("x")

    answer = TestClient(api).post("/race")
    assert answer.status_code == 409 and answer.json()["code"] == "concurrent_change"
    assert "повторите" in answer.json()["detail"]
    assert answer.headers["content-type"].startswith("application/problem+json")
