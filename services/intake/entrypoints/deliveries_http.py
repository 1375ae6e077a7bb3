"""Staff door to the answers that could not be delivered (the operator's queue): the MCU's
own coordinators and its head see their municipality's and send one again once its cause
is mended. (No `from __future__ import annotations`: FastAPI reads the dependencies.)"""

import asyncio
import uuid
from typing import Annotated

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from contracts.vocabulary import Role
from kit import problems
from kit.directory import MCU, Person
from kit.problems import Problem
from kit.staff import caller, require_role
from services.intake.application import IntakeApplication

OPERATORS = (Role.COORDINATOR, Role.MCU_HEAD)


def operator(who: Person) -> None:
    """The MCU's own: its head, or a coordinator of the MCU (not a department's, whose
    reach is the appeals its department holds); else 403, whatever the appeal."""
    role = require_role(who, OPERATORS)
    if role is Role.COORDINATOR and who.organization != MCU:
        raise Problem(403, "forbidden_role", "Недостаточно прав",
                      "Недоставленные ответы разбирают координаторы МЦУ и руководитель МЦУ")


class FailedDelivery(BaseModel):
    appeal_id: uuid.UUID
    municipality: str
    draft_id: str
    channel: str
    reason: str
    at: str
    attempt: int
    subject: str = ""  # the appeal's subject as registered (masked)
    received_at: str | None = None


def router(app: IntakeApplication, deployment) -> APIRouter:
    api = APIRouter(prefix="/api/v1/deliveries", tags=["доставка ответов"])
    Who = Annotated[Person, Depends(caller(deployment))]

    @api.get("/failed", summary="Недоставленные ответы: очередь оператора",
             responses=problems.responses(401, 403))
    async def failed(who: Who) -> list[FailedDelivery]:
        operator(who)
        found = await asyncio.to_thread(app.failed_deliveries, deployment.reach(who))
        return [FailedDelivery(**item) for item in found]

    @api.post("/{appeal_id}/retry", status_code=202,
              summary="Отправить ответ заново (причина устранена)",
              responses=problems.responses(401, 403, 404, 409))
    async def retry(appeal_id: uuid.UUID, who: Who) -> dict:
        operator(who)
        try:
            sent = await asyncio.to_thread(app.retry_delivery, appeal_id, deployment.reach(who))
        except IntegrityError:  # the delivery moved meanwhile: look again
            raise Problem(409, "concurrent_change", "Обращение изменилось",
                          "Пока вы смотрели очередь, доставка этого ответа изменилась: "
                          "обновите страницу") from None
        if sent is None:
            raise problems.appeal_not_found()
        if not sent:
            raise Problem(409, "delivery_not_failed", "Недоставленного ответа нет",
                          "Ответ по этому обращению не ждёт в очереди недоставленных: "
                          "доставлен, отправляется или ещё не опубликован")
        return {"appeal_id": str(appeal_id), "status": "отправка повторится"}

    return api
