"""SLA HTTP API: deadlines of an appeal, extensions, and the term calculator.

An appeal's deadlines are shown, and extended, only to staff whose role reaches it in
routing (`kit.scope`): an approver of one organisation cannot use up the one legal
extension of another's appeal; out of reach is answered as a missing appeal.

(No `from __future__ import annotations`: FastAPI must see the caller dependency, built
inside `router`, as an object.)
"""

import asyncio
from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from contracts import Actor
from contracts.vocabulary import DeadlineStage, Role
from kit.deployment import Deployment
from kit.directory import Person
from kit import problems
from kit.privacy import FreeText
from kit.problems import Problem
from kit.scope import BATCH, RoutingScope
from kit.staff import caller, require_role
from kit.validation import Moment
from services.sla.application import SlaApplication
from services.sla.domain import badge
from services.sla.domain.deadline import Deadline, DeadlineError
from services.sla.domain.terms import Term, TermCalculator, TermError

# in this order a person with several of them acts in the first (the event names it)
EXTENDERS = (Role.APPROVER, Role.COORDINATOR, Role.DEADLINE_CONTROLLER, Role.MCU_HEAD)
VIEWERS = (Role.EXECUTOR, Role.APPROVER, Role.COORDINATOR, Role.SUBORDINATE_COORDINATOR,
           Role.DEADLINE_CONTROLLER, Role.BLOCK_CURATOR, Role.MCU_HEAD, Role.AUDITOR,
           Role.ANALYST, Role.REGIONAL_CURATOR, Role.REGIONAL_AUDITOR, Role.REGIONAL_ANALYST)
STATUS = {"not_found": 404, "no_deadline": 404}


class Extension(BaseModel):
    term: str = Field(description="На сколько продлить: 30d, 10wd, 8wh", examples=["30d"])
    reason: FreeText()


def _extendable(clock, policy) -> bool:
    """Whether the policy would grant this running stage an extension (the card offers the
    form only then: a notice's or a spent one's is never offered)."""
    rule = policy.rule(clock.policy_id)
    return (not clock.stopped and rule is not None and rule.max_extension is not None
            and clock.extensions < rule.max_extensions)


def _view(deadline: Deadline, app: SlaApplication) -> dict:
    tenant, now = app.tenant(deadline.municipality), app.clock.now()
    calc = tenant.calc
    shown = badge.current(deadline, calc, now, tenant.policy)
    return {
        "appeal_id": str(deadline.id),
        "municipality": app.deployment.municipality(deadline.municipality).id,
        "timezone": str(tenant.calc.schedule.timezone),
        "kind": deadline.kind,
        "badge": shown.as_json() if shown else None,
        "stages": [{
            **badge.stage_badge(c, calc, now, tenant.policy).as_json(),
            "why": badge.why(deadline, c, calc),
            "stage": c.stage, "due_at": c.due_at.isoformat(), "term": str(c.term),
            "policy_id": c.policy_id, "extensions": c.extensions,
            "extendable": _extendable(c, tenant.policy),
            "paused": c.paused_at is not None, "stopped": c.stopped, "breached": c.breached,
            "escalation_level": c.escalation_level, "reminders_sent": sorted(c.reminders),
            "calendar_revision": deadline.calendars.get(c.stage.value),
        } for c in deadline.stages.values()],
        "next_timers": [{"at": t.at.isoformat(), "key": t.key}
                        for t in deadline.timers(tenant.calc, tenant.policy)[:10]],
    }


def _refused(exc: DeadlineError) -> Problem:
    return Problem(STATUS.get(exc.code, 409), exc.code, "Операция со сроком отклонена", str(exc))


def router(app: SlaApplication, directory: Deployment, scope: RoutingScope) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["sla"])
    staff_door = problems.responses(401, 403, 404, 422, 503)
    Who = Annotated[Person, Depends(caller(directory))]

    @api.get("/appeals/{appeal_id}/deadlines",
             summary="Сроки обращения и ближайшие таймеры (сотрудникам, по токену)",
             responses=staff_door)
    async def deadlines(appeal_id: UUID, who: Who, request: Request) -> dict:
        require_role(who, VIEWERS)
        reach = await scope.roles(appeal_id, request.headers["authorization"]) & who.roles
        if not reach & set(VIEWERS):
            raise problems.appeal_not_found()
        try:
            view = _view(await asyncio.to_thread(app.deadline, appeal_id), app)
        except DeadlineError as exc:
            raise _refused(exc) from None
        return {**view, "can_extend": bool(reach & set(EXTENDERS))}

    @api.get("/deadlines", summary="Сроки многих обращений сразу (строки очереди): этап, "
             "остаток рабочего времени, состояние", responses=problems.responses(401, 422, 503))
    async def many(who: Who, request: Request, appeal_id: Annotated[list[UUID], Query(
            max_length=BATCH, description=f"Обращения (до {BATCH})")] = ()) -> dict:
        """Only the appeals the caller's roles reach are answered; others are as missing."""
        if not set(VIEWERS) & who.roles or not appeal_id:
            return {"deadlines": {}}
        reach = await scope.roles_many(list(appeal_id), request.headers["authorization"])
        visible = [a for a, roles in reach.items() if roles & who.roles & set(VIEWERS)]
        found = await asyncio.to_thread(app.deadlines, visible)
        now = app.clock.now()
        answer = {}
        for deadline in found:
            tenant = app.tenant(deadline.municipality)
            shown = badge.current(deadline, tenant.calc, now, tenant.policy)
            answer[str(deadline.id)] = {
                "timezone": str(tenant.calc.schedule.timezone),
                "badge": shown.as_json() if shown else None}
        return {"deadlines": answer}

    @api.post("/appeals/{appeal_id}/deadlines/{stage}/extensions", status_code=201,
              summary="Продлить срок (с причиной, в пределах политики)",
              responses=staff_door | problems.responses(409, 413))
    async def extend(appeal_id: UUID, stage: DeadlineStage, body: Extension,
                     who: Who, request: Request) -> dict:
        role = await scope.acting_role(who, appeal_id, request.headers["authorization"],
                                       EXTENDERS)
        try:
            term = Term.parse(body.term)
            deadline = await asyncio.to_thread(
                app.extend, appeal_id, stage, term, body.reason,
                Actor(id=who.id, role=role, organization_id=who.organization))
        except TermError as exc:
            raise Problem(422, exc.code, "Неверный срок", str(exc)) from None
        except DeadlineError as exc:
            raise _refused(exc) from None
        return _view(deadline, app)

    @api.get("/calendar/revisions", summary="Загруженные производственные календари и их изменения")
    async def calendar_revisions() -> list[dict]:
        return await asyncio.to_thread(app.calendar_revisions)

    @api.get("/deadline", summary="Рассчитать срок с объяснением (как mcu sla deadline)",
             responses=problems.responses(422))
    async def compute(registered: Moment,
                      term: Annotated[str, Query(pattern=r"^[1-9]\d{0,2}(d|wd|wh)$",
                                                 description="30d, 10wd, 8wh",
                                                 examples=["10wd"])],
                      tz: Annotated[str | None, Query(
                          max_length=64, description="Зона IANA, например Asia/Omsk")] = None,
                      municipality: Annotated[str | None, Query(
                          max_length=64, description="Муниципалитет: его календарь (с "
                          "региональными праздниками), график и пояс")] = None,
                      ) -> dict:
        if municipality is not None and municipality not in app.tenants:
            raise Problem(422, "unknown_municipality", "Муниципалитет не найден",
                          f"«{municipality}» нет в развёртывании")
        base = app.tenant(municipality).calc
        try:
            calc = base if tz is None else TermCalculator(base.calendar, _with_zone(base, tz))
            return calc.due(registered, Term.parse(term)).as_json()
        except TermError as exc:
            raise Problem(422, exc.code, "Неверный срок", str(exc)) from None

    @api.get("/deadline/recheck", summary="Пересчитать установленный срок по той редакции "
             "календаря, которую он называет (для аудитора), и по действующей",
             responses=problems.responses(422))
    async def recheck(counted_from: Moment, due_at: Moment,
                      term: Annotated[str, Query(pattern=r"^[1-9]\d{0,2}(d|wd|wh)$",
                                                 description="30d, 10wd, 8wh")],
                      calendar_revision: Annotated[str, Query(
                          pattern=r"^[0-9a-f]{16,64}$",
                          description="Редакция календаря из события DeadlineSet")],
                      municipality: Annotated[str | None, Query(
                          max_length=64, description="Муниципалитет обращения")] = None,
                      policy_revision: Annotated[str | None, Query(
                          pattern=r"^[0-9a-f]{16,64}$",
                          description="Редакция политики сроков из события")] = None,
                      policy_id: Annotated[str | None, Query(
                          max_length=100, description="Правило политики из события")] = None,
                      ) -> dict:
        if municipality is not None and municipality not in app.tenants:
            raise Problem(422, "unknown_municipality", "Муниципалитет не найден",
                          f"«{municipality}» нет в развёртывании")
        try:
            parsed = Term.parse(term)
        except TermError as exc:
            raise Problem(422, exc.code, "Неверный срок", str(exc)) from None
        return await asyncio.to_thread(app.recheck_deadline, municipality, parsed,
                                       counted_from, due_at, calendar_revision,
                                       policy_revision, policy_id)

    return api


def _with_zone(calc: TermCalculator, tz: str):
    from dataclasses import replace

    try:
        return replace(calc.schedule, timezone=ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise Problem(422, "unknown_timezone", "Неизвестный часовой пояс",
                      f"{tz!r}: укажите зону IANA, например Europe/Moscow") from None


__all__ = ["router", "datetime"]
