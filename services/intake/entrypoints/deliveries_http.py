"""Staff door to the answers that could not be delivered (the operator's queue): the MCU's
coordinators and head see their municipalities' and send one again once its cause is
mended. (No `from __future__ import annotations`: FastAPI reads the dependencies.)"""

import asyncio
import uuid
from typing import Annotated

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from contracts.vocabulary import Role
from kit import problems
from kit.directory import Person
from kit.problems import Problem
from kit.staff import caller, require_role
from services.intake.application import IntakeApplication

OPERATORS = (Role.COORDINATOR, Role.MCU_HEAD)


class FailedDelivery(BaseModel):
    appeal_id: uuid.UUID
    municipality: str
    draft_id: str
    channel: str
    reason: str
    at: str
    attempt: int


def router(app: IntakeApplication, deployment) -> APIRouter:
    api = APIRouter(prefix="/api/v1/deliveries", tags=["доставка ответов"])
    Who = Annotated[Person, Depends(caller(deployment))]

    @api.get("/failed", summary="Недоставленные ответы: очередь оператора",
             responses=problems.responses(401, 403))
    async def failed(who: Who) -> list[FailedDelivery]:
        require_role(who, OPERATORS)
        found = await asyncio.to_thread(app.failed_deliveries, deployment.reach(who))
        return [FailedDelivery(**item) for item in found]

    @api.post("/{appeal_id}/retry", status_code=202,
              summary="Отправить ответ заново (причина устранена)",
              responses=problems.responses(401, 403, 404, 409))
    async def retry(appeal_id: uuid.UUID, who: Who) -> dict:
        require_role(who, OPERATORS)
        try:
            sent = await asyncio.to_thread(app.retry_delivery, appeal_id, deployment.reach(who))
        except IntegrityError:  # the delivery moved meanwhile: look again
            raise Problem(409, "concurrent_change", "Обращение изменилось",
                          "Пока вы смотрели очередь, доставка этого ответа изменилась: "
                          "обновите страницу") from None
        if not sent:
            raise Problem(404, "delivery_not_failed", "Недоставленного ответа нет",
                          "Этого обращения нет в очереди недоставленных ответов")
        return {"appeal_id": str(appeal_id), "status": "отправка повторится"}

    return api
