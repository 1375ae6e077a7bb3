"""Routing HTTP API: staff commands on appeals, work queues, appeal history, reference data.

What staff write (reasons, drafts, comments) is `FreeText`: what it says of people is
masked before it becomes an event, as intake masks what citizens write.

Every request carries `Authorization: Bearer <token>`; the token names a person of the
directory, whose roles and organisation decide what they may do (domain/access.py).
(No `from __future__ import annotations` here: the endpoints are built in a loop and FastAPI
must see their annotations as objects.)
"""

import asyncio
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import ReworkCriterion
from kit.directory import Person
from kit import problems
from kit.privacy import FreeText
from kit.problems import Problem, appeal_not_found
from kit.validation import Count
from kit.staff import caller
from services.routing.application import RoutingApplication
from services.routing.domain.errors import RoutingError
from services.routing.domain.workflow import STATUS_RU


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Assign(_Body):
    executor_id: str | None = Field(default=None, description="Исполнитель")
    subordinate_id: str | None = Field(default=None, description="Поселение или учреждение")
    recipient_id: str | None = Field(default=None, description="Получатель (по умолчанию текущий)")


class Reroute(_Body):
    recipient_id: str
    reason: FreeText()


class ExecutorReturn(_Body):
    reason: FreeText() = Field(description="Почему обращение направлено ошибочно")
    suggested_recipient_id: str | None = Field(default=None, description="Компетентный получатель")


class Reason(_Body):
    reason: FreeText()


class Dispute(_Body):
    argument: FreeText()


class Resolution(_Body):
    recipient_id: str
    decision: FreeText()


class Draft(_Body):
    text: FreeText(20_000)
    attachments: Count(ge=0, le=100) = 0


class ApprovalRequest(_Body):
    approver_id: str | None = None


class Rework(_Body):
    criteria: list[ReworkCriterion] = Field(min_length=1)
    comment: FreeText() | None = None


class Postpone(_Body):
    reason: FreeText()
    until: date


class Transfer(_Body):
    authority: str = Field(min_length=1, max_length=500)
    reason: FreeText()


class WithoutAnswer(_Body):
    legal_ground: FreeText()


class Rating(_Body):
    score: Count(ge=1, le=5)
    comment: FreeText() | None = None


COMMANDS: dict[str, tuple[str, type[BaseModel] | None, str]] = {
    "assign": ("assignment", Assign, "Назначить исполнителя или поселение (переназначить)"),
    "reroute": ("routing", Reroute, "Направить другому получателю"),
    "return_executor": ("executor-return", ExecutorReturn,
                        "Исполнитель возвращает ошибочно направленное (в день назначения)"),
    "return_subordinate": ("subordinate-return", Reason, "Поселение возвращает в администрацию"),
    "dispute": ("dispute", Dispute, "Разногласие — на решение руководителя МЦУ"),
    "resolve_dispute": ("dispute-resolution", Resolution, "Решение руководителя МЦУ (окончательное)"),
    "draft": ("answer-draft", Draft, "Проект ответа"),
    "send_for_approval": ("approval-request", ApprovalRequest, "Направить ответ на согласование"),
    "approve": ("approval", None, "Согласовать ответ"),
    "return_for_rework": ("rework", Rework, "Вернуть ответ на доработку с критериями"),
    "publish": ("publication", None, "Направить ответ заявителю"),
    "postpone": ("postponement", Postpone, "Отложить с причиной и датой"),
    "transfer": ("transfer", Transfer, "Передать в другой орган (вне муниципалитета)"),
    "leave_without_answer": ("no-answer", WithoutAnswer, "Оставить без ответа по закону"),
    "rate": ("rating", Rating, "Оценка заявителя (отрицательная переоткрывает)"),
    "reopen": ("reopening", Reason, "Переоткрыть обращение"),
}


def _refused(exc: RoutingError) -> Problem:
    if exc.code == "appeal_not_found":
        return appeal_not_found()  # the same answer as every other service's doors give
    return Problem(exc.status, exc.code, "Действие отклонено", str(exc))


def router(app: RoutingApplication) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["routing"], responses=problems.responses(401))

    Who = Annotated[Person, Depends(caller(app.directory))]

    async def execute(name: str, appeal_id: UUID, who: Person, args: dict) -> dict:
        try:
            workflow = await asyncio.to_thread(app.command, name, appeal_id, who, **args)
        except RoutingError as exc:
            raise _refused(exc) from None
        return {"appeal_id": str(appeal_id), "status": workflow.status,
                "status_ru": STATUS_RU[workflow.status]}

    def add_command(name: str, path: str, body_model, summary: str) -> None:
        if body_model is None:
            async def run(appeal_id: UUID, who: Who) -> dict:
                return await execute(name, appeal_id, who, {})
        else:
            async def run(appeal_id: UUID, who: Who, body: body_model) -> dict:  # type: ignore[valid-type]
                return await execute(name, appeal_id, who, body.model_dump())
        api.add_api_route(f"/appeals/{{appeal_id}}/{path}", run, methods=["POST"],
                          summary=summary, operation_id=name,
                          responses=problems.responses(403, 404, 409, 413, 422))

    for name, (path, model, summary) in COMMANDS.items():
        add_command(name, path, model, summary)

    @api.get("/appeals/{appeal_id}", summary="Состояние и вся история обращения",
             responses=problems.responses(403, 404, 422))
    async def history(appeal_id: UUID, who: Who) -> dict:
        try:
            return await asyncio.to_thread(app.history, appeal_id, who)
        except RoutingError as exc:
            raise _refused(exc) from None

    @api.get("/appeals/{appeal_id}/scope",
             summary="Какие роли сотрудника достают до обращения (для других сервисов)",
             responses=problems.responses(404, 422))
    async def scope(appeal_id: UUID, who: Who) -> dict:
        try:
            roles = await asyncio.to_thread(app.scope, appeal_id, who)
        except RoutingError as exc:
            raise _refused(exc) from None
        return {"appeal_id": str(appeal_id), "person": who.id,
                "roles": sorted(r.value for r in roles)}

    @api.get("/queue", summary="Обращения, ждущие действий текущего сотрудника",
             responses=problems.responses(422))
    async def queue(who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
        items = await asyncio.to_thread(app.queue, who)
        return [{"appeal_id": str(i.appeal_id), "status": i.status,
                 "status_ru": STATUS_RU[i.status], "recipient_id": i.recipient_id,
                 "subordinate_id": i.subordinate_id, "executor_id": i.executor_id,
                 "topic": i.topic, "territory": i.territory} for i in items[:limit]]

    @api.get("/me", summary="Кто я: роли и организация по токену")
    async def me(who: Who) -> dict:
        return {"id": who.id, "name": who.name, "organization": who.organization,
                "roles": sorted(r.value for r in who.roles)}

    @api.get("/directory", summary="Справочник получателей (без токенов)")
    async def directory(who: Who) -> dict:
        d = app.directory
        return {"municipality": d.municipality, "timezone": d.timezone,
                "organizations": [o.__dict__ for o in d.organizations.values()],
                "blocks": [b.__dict__ for b in d.blocks.values()],
                "people": [{"id": p.id, "name": p.name, "organization": p.organization,
                            "roles": sorted(r.value for r in p.roles)} for p in d.people.values()]}

    @api.get("/autorules", summary="Действующие автоправила и их версия")
    async def autorules(who: Who) -> dict:
        return {"version": app.rules.version,
                "rules": [{k: (sorted(v) if isinstance(v, frozenset) else v)
                           for k, v in r.__dict__.items()} for r in app.rules.rules]}

    return api
