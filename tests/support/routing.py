"""A small directory with one person per role, and a routing application on it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from fastapi import FastAPI

from contracts.vocabulary import Role
from kit.clock import FixedClock
from kit.unit_of_work import UnitOfWork
from kit.deployment import REGIONAL_ROLES, Deployment, single
from kit.directory import DEFAULT_ID, Block, Directory, Organization, Person
from services.routing.application import RoutingApplication
from services.routing.domain.autorules import Rule, RuleBook
from tests.support.envelopes import AppealStory

ORG_OF_ROLE = {
    Role.COORDINATOR: "dep", Role.SUBORDINATE_COORDINATOR: "sp", Role.EXECUTOR: "dep",
    Role.APPROVER: "dep", Role.BLOCK_CURATOR: "adm",
}


def _person(pid: str, org: str, *roles: Role) -> Person:
    channels = frozenset({"pos", "web", "open311"}) if Role.APPLICANT in roles else frozenset()
    regional = set(roles) <= REGIONAL_ROLES | {Role.DEPLOYMENT_ADMINISTRATOR}
    return Person(pid, pid, org, frozenset(roles), None,
                  hashlib.sha256(f"token-{pid}".encode()).hexdigest(), channels=channels,
                  municipality=None if regional else DEFAULT_ID,
                  region="region" if set(roles) <= REGIONAL_ROLES else None)


def directory(timezone: str = "Europe/Moscow") -> Directory:
    orgs = [Organization("mcu", "МЦУ", "mcu"), Organization("adm", "Администрация", "administration"),
            Organization("dep", "Отдел ЖКХ", "department", "adm"),
            Organization("other", "Отдел образования", "department", "adm"),
            Organization("sp", "Почтовское с/п", "settlement", "adm", "Почтовское")]
    people = [_person(f"p-{r.value}", ORG_OF_ROLE.get(r, "mcu"), r) for r in Role]
    people += [
        _person("p-executor-2", "dep", Role.EXECUTOR),
        _person("p-sp-exec", "sp", Role.EXECUTOR),
        _person("p-sp-head", "sp", Role.APPROVER),
        _person("p-other-coord", "other", Role.COORDINATOR),
        _person("p-mcu-coord", "mcu", Role.COORDINATOR),
    ]
    return Directory("Тест", timezone, {o.id: o for o in orgs}, {p.id: p for p in people},
                     {"ЖКХ": Block("ЖКХ", "p-block_curator", None)})


def deployment(timezone: str = "Europe/Moscow") -> Deployment:
    """A deployment of the one test municipality."""
    return single(directory(timezone), {})


RULES = RuleBook((Rule("all-to-dep", "dep"),), version=1)


def routing_app(clock: FixedClock, timezone: str = "Europe/Moscow",
                rules: RuleBook = RULES) -> RoutingApplication:
    return RoutingApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                              deployment=deployment(timezone), rules={DEFAULT_ID: rules},
                              clock=clock)


def registered(app: RoutingApplication, at: datetime | None = None, **overrides) -> AppealStory:
    story = AppealStory()
    unit = UnitOfWork(app)
    app.react(story.registered(at or app.clock.now(), **overrides), unit)
    app.save(*unit.aggregates())
    return story


def who(app: RoutingApplication, person_id: str) -> Person:
    return app.deployment.people[person_id]


NOW = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # Tuesday 11:00 in Moscow


def http_api(app: RoutingApplication) -> FastAPI:
    """Routing's HTTP face in-process (for another service's client over ASGI)."""
    from kit import problems
    from services.routing.entrypoints.http import router

    api = FastAPI()
    problems.install(api)
    api.include_router(router(app))
    return api
