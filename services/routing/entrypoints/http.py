"""Routing HTTP API: staff commands on appeals, work queues, appeal history, reference data.

One route per command of domain/commands.py, whose class is the route's body. What staff
write (reasons, drafts, comments) is `FreeText`: what it says of people is masked before it
becomes an event, as intake masks what citizens write.

Every request carries `Authorization: Bearer <token>`; the token names a person of the
directory, whose roles and organisation decide what they may do (domain/access.py).
(No `from __future__ import annotations` here: the endpoints are built in a loop and FastAPI
must see their annotations as objects.)
"""

import asyncio
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from kit.directory import Person
from kit import problems
from kit.problems import Problem, appeal_not_found
from kit.scope import BATCH
from kit.reference_files import ReferenceFileError, load_yaml
from kit.staff import caller, require_role
from services.routing.application import RoutingApplication
from services.routing.domain import answer_templates, due, worklist
from services.routing.domain.commands import COMMANDS, Command
from services.routing.domain.errors import RoutingError
from contracts.vocabulary import STATUS_RU, Role


Filter = Annotated[str | None, Query(max_length=300)]
MunicipalityId = Annotated[str | None, Query(
    max_length=64, description="Муниципалитет (id); по умолчанию — свой")]


RULE_EDITORS = (Role.ADMINISTRATOR, Role.MCU_HEAD)  # who keeps a municipality's autorules


class DryRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: str = Field(min_length=1, max_length=200_000,
                       description="Новая редакция автоправил: YAML, как файл автоправил")
    days: int = Field(default=30, ge=1, le=365, description="За сколько последних дней")
    limit: int = Field(default=500, ge=1, le=5000, description="Сколько обращений перечислить")


class TemplateItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$",
                    description="Идентификатор: латиница, цифры, дефис")
    title: str = Field(min_length=1, max_length=300, description="Название")
    text: str = Field(min_length=1, max_length=20_000,
                      description="Текст с подстановками {номер}, {дата}, {тема}, {территория},"
                                  " {получатель}, {исполнитель}")
    topics: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default=[], max_length=200, description="Темы (пусто — для любой темы)")
    approved: bool = Field(default=False, description="Утверждённая формулировка: для "
                           "массового ответа")


class TemplatesDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    templates: list[TemplateItem] = Field(max_length=500)


def _refused(exc: RoutingError) -> Problem:
    if exc.code == "appeal_not_found":
        return appeal_not_found()  # the same answer as every other service's doors give
    return Problem(exc.status, exc.code, "Действие отклонено", str(exc))


def _row(i: worklist.QueueItem) -> dict:
    return {"appeal_id": str(i.appeal_id), "status": i.status, "status_ru": STATUS_RU[i.status],
            "recipient_id": i.recipient_id, "subordinate_id": i.subordinate_id,
            "executor_id": i.executor_id, "topic": i.topic, "territory": i.territory,
            "municipality": i.municipality, "kind": i.kind, "channel": i.channel,
            "thematic_block": i.thematic_block, "repeat": i.repeat,
            "external_id": i.external_id, "received_at": i.received_at,
            "subject": i.subject, "excerpt": i.text[:240],
            "due_at": i.due.due_at.isoformat() if i.due else None}


def router(app: RoutingApplication) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["routing"], responses=problems.responses(401))

    Who = Annotated[Person, Depends(caller(app.deployment))]

    def _own(who: Person, municipality: str | None) -> str:
        """The municipality asked for, if the caller's (by default their own)."""
        wanted = municipality or who.municipality
        if wanted is None or wanted not in app.deployment.reach(who):
            raise Problem(404, "unknown_municipality", "Муниципалитет не найден",
                          "Укажите municipality — один из муниципалитетов вашего региона")
        return wanted

    async def execute(command: Command, appeal_id: UUID, who: Person) -> dict:
        try:
            workflow = await asyncio.to_thread(app.handle, command, appeal_id, who)
        except RoutingError as exc:
            raise _refused(exc) from None
        return {"appeal_id": str(appeal_id), "status": workflow.status,
                "status_ru": STATUS_RU[workflow.status]}

    def add_command(kind: type[Command]) -> None:
        if kind.model_fields:
            async def run(appeal_id: UUID, who: Who, body: kind) -> dict:  # type: ignore[valid-type]
                return await execute(body, appeal_id, who)
        else:  # a command without fields takes no body
            async def run(appeal_id: UUID, who: Who) -> dict:
                return await execute(kind(), appeal_id, who)
        api.add_api_route(f"/appeals/{{appeal_id}}/{kind.path}", run, methods=["POST"],
                          summary=kind.summary, operation_id=kind.name,
                          responses=problems.responses(403, 404, 409, 413, 422))

    for kind in COMMANDS:
        add_command(kind)

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
                 "topic": i.topic, "territory": i.territory, "municipality": i.municipality}
                for i in items[:limit]]

    @api.get("/worklist", summary="Очереди сотрудника: число в каждой и страница с фильтрами,"
             " поиском и сортировкой", responses=problems.responses(422))
    async def worklist_page(
            who: Who,
            queue: Annotated[Literal[tuple(worklist.QUEUES)] | None, Query(  # type: ignore[valid-type]
                description="Очередь")] = None,
            status: Filter = None, kind: Filter = None, channel: Filter = None,
            topic: Filter = None, thematic_block: Filter = None, territory: Filter = None,
            recipient_id: Filter = None, executor_id: Filter = None,
            repeat: Annotated[bool | None, Query(
                description="Только повторные / только нет")] = None,
            deadline: Annotated[Literal[due.DEADLINE_STATES] | None, Query(  # type: ignore[valid-type]
                description="Состояние текущего срока: в срок, срок близко (напоминание "
                            "отправлено), просрочено, приостановлено")] = None,
            q: Annotated[str, Query(max_length=worklist.MAX_QUERY,
                                    description="Номер, начало id или слова текста")] = "",
            sort: Annotated[Literal[worklist.SORTS], Query()] = "waiting",  # type: ignore[valid-type]
            offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
            limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict:
        filters = {"status": status, "kind": kind, "channel": channel, "topic": topic,
                   "thematic_block": thematic_block, "territory": territory,
                   "recipient_id": recipient_id, "executor_id": executor_id}
        found = await asyncio.to_thread(
            app.worklist, who, queue=queue, filters=filters, repeat=repeat, deadline=deadline,
            query=q, sort=sort, offset=offset, limit=limit)
        return {"total": found.total, "offset": offset, "limit": limit,
                "queues": [{"id": k, "title": worklist.QUEUES[k], "count": n}
                           for k, n in found.counts.items()],
                "items": [_row(i) for i in found.items]}

    @api.get("/appeals/{appeal_id}/actions",
             summary="Действия, доступные сотруднику по обращению сейчас (с полями форм)",
             responses=problems.responses(404, 422))
    async def actions(appeal_id: UUID, who: Who) -> list[dict]:
        try:
            kinds = await asyncio.to_thread(app.actions, appeal_id, who)
        except RoutingError as exc:
            raise _refused(exc) from None
        return [{"name": k.name, "path": k.path, "summary": k.summary,
                 "schema": k.model_json_schema()} for k in kinds]

    @api.get("/scopes", summary="Роли сотрудника, достающие до каждого из обращений (пакетом)",
             responses=problems.responses(422))
    async def scopes(who: Who, appeal_id: Annotated[list[UUID], Query(
            max_length=BATCH, description=f"Обращения (до {BATCH})")] = ()) -> dict:
        """Only the appeals the person reaches are named: the others are as missing."""
        found = await asyncio.to_thread(app.scopes, list(appeal_id), who)
        return {"person": who.id,
                "roles": {str(a): sorted(r.value for r in roles) for a, roles in found.items()}}

    @api.get("/me", summary="Кто я: роли, организация, муниципалитет или регион по токену")
    async def me(who: Who) -> dict:
        return {"id": who.id, "name": who.name, "organization": who.organization,
                "municipality": who.municipality, "region": who.region,
                "reach": sorted(app.deployment.reach(who)),
                "roles": sorted(r.value for r in who.roles)}

    @api.get("/deployment", summary="Дерево развёртывания: регионы и муниципалитеты")
    async def deployment(who: Who) -> dict:
        d, reach = app.deployment, app.deployment.reach(who)
        return {"name": d.name, "regions": [
            {"id": r.id, "name": r.name, "timezone": r.timezone, "municipalities": [
                {"id": m.id, "name": m.name, "timezone": m.timezone,
                 "population": m.population} for m in d.municipalities.values()
                if m.region == r.id and (m.id in reach or who.region is None
                                         and who.municipality is None)]}
            for r in d.regions.values()]}

    @api.get("/directory", summary="Справочник получателей своего муниципалитета (без токенов)",
             responses=problems.responses(404, 422))
    async def directory(who: Who, municipality: MunicipalityId = None) -> dict:
        """The caller's municipality's directory; a region's staff name one of theirs."""
        d = app.deployment.directory_of(_own(who, municipality))
        return {"municipality_id": d.id, "municipality": d.municipality, "timezone": d.timezone,
                "organizations": [{**o.__dict__, "subordinate": o.subordinate}
                                  for o in d.organizations.values()],
                "blocks": [{"id": k, **b.__dict__} for k, b in d.blocks.items()],
                "people": [{"id": p.id, "name": p.name, "organization": p.organization,
                            "roles": sorted(r.value for r in p.roles)} for p in d.people.values()]}

    @api.get("/autorules", summary="Действующие автоправила своего муниципалитета и их версия",
             responses=problems.responses(404, 422))
    async def autorules(who: Who, municipality: MunicipalityId = None) -> dict:
        wanted = _own(who, municipality)
        book = app.rules[wanted]
        return {"municipality": wanted, "version": book.version,
                "rules": [{k: (sorted(v) if isinstance(v, frozenset) else v)
                           for k, v in r.__dict__.items()} for r in book.rules]}

    @api.get("/answer-templates", summary="Шаблоны ответов своего муниципалитета и их редакция",
             responses=problems.responses(404, 422))
    async def answer_templates_list(who: Who, municipality: MunicipalityId = None) -> dict:
        wanted = _own(who, municipality)
        revision, found = await asyncio.to_thread(app.templates, wanted)
        return {"municipality": wanted, "revision": revision,
                "placeholders": answer_templates.PLACEHOLDERS,
                "templates": [t.as_json() for t in found]}

    @api.put("/answer-templates", summary="Новая редакция шаблонов ответов (администратор)",
             responses=problems.responses(403, 404, 413, 422))
    async def answer_templates_save(body: TemplatesDocument, who: Who,
                                    municipality: MunicipalityId = None) -> dict:
        require_role(who, (Role.ADMINISTRATOR,))
        wanted = _own(who, municipality)
        try:
            revision = await asyncio.to_thread(app.save_templates, wanted,
                                               body.model_dump(mode="json"))
        except answer_templates.TemplateError as exc:
            raise problems.invalid([{"field": "templates", "type": exc.code, "reason": r}
                                    for r in exc.problems]) from None
        return {"municipality": wanted, "revision": revision}

    @api.get("/appeals/{appeal_id}/answer-templates",
             summary="Шаблоны ответа, подходящие к теме обращения, с подстановками",
             responses=problems.responses(403, 404, 422))
    async def answer_templates_of(appeal_id: UUID, who: Who) -> list[dict]:
        try:
            return await asyncio.to_thread(app.templates_for, appeal_id, who)
        except RoutingError as exc:
            raise _refused(exc) from None

    @api.post("/autorules/dry-run", summary="Пробный прогон автоправил: куда ушли бы обращения "
              "последних дней при новой редакции", responses=problems.responses(403, 404, 413, 422))
    async def autorules_dry_run(body: DryRunRequest, who: Who,
                                municipality: MunicipalityId = None) -> dict:
        require_role(who, RULE_EDITORS)
        wanted = _own(who, municipality)
        try:
            data = load_yaml(body.rules, "новая редакция автоправил")
            found = await asyncio.to_thread(app.dry_run, wanted, data, body.days)
        except ReferenceFileError as exc:
            raise problems.invalid([{"field": "rules", "type": exc.code, "reason": reason}
                                    for reason in exc.problems]) from None
        return {"municipality": wanted, "days": body.days, "appeals": found.appeals,
                "moved": len(found.moved), "fixed": found.fixed, "broken": found.broken,
                "items": [{"appeal_id": str(m.appeal_id), "subject": m.subject,
                           "routed_to": m.routed_to, "now_with": m.now_with,
                           "would_go_to": m.would_go_to, "rule_id": m.rule_id,
                           "reason": m.reason, "fixes": m.fixes, "breaks": m.breaks}
                          for m in found.moved[:body.limit]]}

    return api
