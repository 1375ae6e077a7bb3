"""Intake HTTP API."""

from __future__ import annotations

import asyncio
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel
from eventsourcing.persistence import IntegrityError

from services.intake.application import IntakeApplication
from services.intake.domain.commands import RegisterAppeal


class Accepted(BaseModel):
    appeal_id: UUID
    duplicate: bool


def router(app: IntakeApplication) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["intake"])

    @api.post("/appeals", status_code=201, response_model=Accepted,
              summary="Зарегистрировать обращение (веб-форма, оператор)")
    async def register(command: RegisterAppeal, response: Response) -> Accepted:
        try:
            result = await asyncio.to_thread(app.register, command)
        except IntegrityError:  # the same item registered concurrently: it is there now
            result = await asyncio.to_thread(app.register, command)
        if result.duplicate:
            response.status_code = 200
        return Accepted(appeal_id=result.appeal_id, duplicate=result.duplicate)

    return api
