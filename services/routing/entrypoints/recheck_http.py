"""The auditor's question to routing: what would the autorules revision an AppealRouted
names decide for this registration? The audit service asks it with the registration it
read from the log and compares the answer with the routing the log records. (No
`from __future__ import annotations`: FastAPI reads the signatures.)"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.events.registration import AppealRegistered
from contracts.vocabulary import Role
from kit import problems
from kit.directory import Person
from kit.problems import Problem
from kit.staff import caller, require_role
from services.routing.application import RoutingApplication

AUDITORS = (Role.AUDITOR, Role.REGIONAL_AUDITOR)


class RoutingRecheck(BaseModel):
    municipality: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
                                     description="Муниципалитет обращения (id в развёртывании)")
    rule_version: int = Field(ge=1, le=1_000_000, description="Редакция автоправил из "
                              "AppealRouted.rule_version")
    registered: AppealRegistered = Field(description="Регистрация обращения, как её хранит "
                                         "журнал (AppealRegistered)")


class RoutingRechecked(BaseModel):
    revision_known: bool
    recipient_id: str | None
    rule_id: str | None
    reason: str | None


def router(app: RoutingApplication) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["аудит"],
                    responses=problems.responses(401, 403, 404, 413, 422))
    Who = Annotated[Person, Depends(caller(app.deployment))]

    @api.post("/autorules/recheck", summary="Пересчитать решение автоправил по редакции, "
              "которую называет AppealRouted (для аудитора)")
    async def recheck(body: RoutingRecheck, who: Who) -> RoutingRechecked:
        require_role(who, AUDITORS)
        if (body.municipality is not None and body.municipality not in
                app.deployment.municipalities) or not app.deployment.reaches(
                    who, body.municipality):  # unknown and out of reach: the same answer
            raise Problem(404, "municipality_not_found", "Муниципалитет не найден",
                          "Этот муниципалитет вне вашей зоны ответственности")
        return RoutingRechecked(**await asyncio.to_thread(
            app.recheck_routing, body.municipality, body.rule_version, body.registered))

    return api
