"""Intake HTTP API: the channels' doors, each with its own API key.

* `POST /api/v1/appeals`: web form, operator entry of phone calls, letters, e-mail;
* `POST /api/v1/channels/pos/messages`: the ПОС webhook;
* `/open311/v2/…`: Open311 GeoReport v2 (JSON).
"""

import asyncio
import uuid
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyHeader
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from contracts.vocabulary import Channel
from kit.problems import Problem, invalid
from kit.validation import field_errors
from services.intake.adapters import incident, mail, open311, pos
from services.intake.application import IntakeApplication, RegistrationRefused
from services.intake.batching import RegistrationBatcher
from services.intake.channels import ChannelKeys
from services.intake.domain.appeal import IntakeAppeal, appeal_id_for
from services.intake.domain.commands import RegisterAppeal


# the OpenAPI security scheme, as kit.staff declares the staff token: /docs offers
# "Authorize"; a missing or wrong key is answered by `require` with a problem response
_CHANNEL_KEY = APIKeyHeader(name="X-API-Key", scheme_name="channelKey", auto_error=False,
                            description="Ключ канала (MCU_INTAKE_API_KEYS): у каждого свой")
ChannelKey = Annotated[str | None, Depends(_CHANNEL_KEY)]


class Accepted(BaseModel):
    appeal_id: uuid.UUID
    duplicate: bool
    repeat_of: uuid.UUID | None = None


def adapted(to_command, item) -> RegisterAppeal:
    """A channel's item as a registration; what the item cannot become is a 422 naming
    each field, never a fault."""
    try:
        return to_command(item)
    except ValidationError as exc:
        raise invalid(field_errors(exc.errors())) from None


def router(app: IntakeApplication, keys: ChannelKeys,
           services: dict[str, open311.Service] | None = None) -> APIRouter:
    api = APIRouter()
    services = services or open311.services_of(app.classifier.rubricator.data)
    batcher = RegistrationBatcher(app)

    def require(channel: Channel, key: str | None) -> None:
        found = keys.channel_of(key)
        if found is None:
            raise Problem(401, "invalid_api_key", "Неверный ключ канала",
                          "Передайте ключ канала в заголовке X-API-Key")
        if found is not channel:
            raise Problem(403, "wrong_channel", "Ключ другого канала",
                          f"Ключ выдан каналу «{found.value}», а не «{channel.value}»")

    async def register(command: RegisterAppeal) -> tuple[Accepted, bool]:
        try:
            result = await batcher.submit(command)  # answered once its batch is committed
        except RegistrationRefused as refused:
            raise invalid(refused.errors) from None
        return Accepted(appeal_id=result.appeal_id, duplicate=result.duplicate,
                        repeat_of=result.repeat_of), result.duplicate

    @api.post("/api/v1/appeals", status_code=201, response_model=Accepted, tags=["intake"],
              summary="Зарегистрировать обращение (веб-форма, оператор: телефон, письмо, почта)")
    async def register_any(command: RegisterAppeal, response: Response,
                           x_api_key: ChannelKey = None) -> Accepted:
        require(command.channel, x_api_key)
        accepted, duplicate = await register(command)
        if duplicate:
            response.status_code = 200
        return accepted

    @api.post("/api/v1/channels/pos/messages", status_code=201, response_model=Accepted,
              tags=["intake"], summary="Сообщение ПОС «Госуслуги. Решаем вместе» (webhook)")
    async def pos_message(message: pos.PosMessage, response: Response,
                          x_api_key: ChannelKey = None) -> Accepted:
        require(Channel.POS, x_api_key)
        accepted, duplicate = await register(adapted(pos.to_command, message))
        if duplicate:
            response.status_code = 200
        return accepted

    @api.post("/api/v1/channels/incident/imports", tags=["intake"],
              summary="Выгрузка «Инцидент Менеджмент» (CSV или XLSX): отчёт по строкам")
    async def incident_import(request: Request, filename: Annotated[str, Query()] = "export.csv",
                              timezone: Annotated[str, Query()] = "Europe/Moscow",
                              x_api_key: ChannelKey = None) -> dict:
        require(Channel.INCIDENT, x_api_key)
        try:
            report = incident.parse(await request.body(), filename, ZoneInfo(timezone))
        except incident.ImportFileError as exc:
            raise Problem(422, exc.code, "Файл выгрузки не принят", str(exc)) from None
        except (ZoneInfoNotFoundError, ValueError):
            raise Problem(422, "unknown_timezone", "Неизвестный часовой пояс", timezone) from None
        # all rows at once: the batcher commits them together, not one commit per row; a
        # row that cannot be registered is reported with its reason, the others imported
        outcomes = await asyncio.gather(*(register(command) for _, command in report.commands),
                                        return_exceptions=True)
        errors, registered = list(report.errors), []
        for (row, _), outcome in zip(report.commands, outcomes, strict=True):
            if isinstance(outcome, Problem):
                errors.append(f"строка {row}: {outcome.detail}")
            elif isinstance(outcome, BaseException):
                errors.append(f"строка {row}: не принята из-за внутренней ошибки, повторите")
            else:
                registered.append(outcome)
        duplicates = sum(duplicate for _, duplicate in registered)
        return {"imported": len(registered) - duplicates, "duplicates": duplicates,
                "errors": errors}

    @api.post("/api/v1/channels/email/messages", status_code=201, response_model=Accepted,
              tags=["intake"], summary="Письмо (message/rfc822, как файл .eml)")
    async def mail_message(request: Request, response: Response,
                           x_api_key: ChannelKey = None) -> Accepted:
        require(Channel.EMAIL, x_api_key)
        try:
            command = adapted(mail.parse, await request.body())
        except mail.MailError as exc:
            raise Problem(422, exc.code, "Письмо не принято", str(exc)) from None
        accepted, duplicate = await register(command)
        if duplicate:
            response.status_code = 200
        return accepted

    def geo_error(status: int, description: str) -> JSONResponse:
        return JSONResponse([{"code": status, "description": description}], status_code=status)

    @api.get("/open311/v2/services.json", tags=["open311"], summary="GeoReport v2: темы")
    async def open311_services() -> list[dict]:
        return [open311.service_json(s) for s in services.values()]

    @api.post("/open311/v2/requests.json", tags=["open311"],
              summary="GeoReport v2: создать запрос (application/x-www-form-urlencoded)")
    async def open311_create(request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if keys.channel_of(form.get("api_key")) is not Channel.OPEN311:
            return geo_error(403, "api_key отсутствует или неверен")
        request_id = uuid.uuid4().hex[:12]
        try:
            command = open311.to_command(form, services, request_id)
        except open311.Open311Error as exc:
            return geo_error(exc.status, str(exc))
        except ValidationError as exc:
            return geo_error(400, "; ".join(f"{e['field']}: {e['reason']}"
                                            for e in field_errors(exc.errors())))
        try:
            await register(command)
        except Problem as refused:  # GeoReport clients read its own error shape
            return geo_error(400 if refused.status == 422 else refused.status, refused.detail)
        return JSONResponse([{"service_request_id": request_id,
                              "service_notice": "Сообщение принято и зарегистрировано"}],
                            status_code=201)

    def request_json(request_id: str) -> dict | None:
        try:
            appeal: IntakeAppeal = app.repository.get(appeal_id_for(Channel.OPEN311, request_id))
        except AggregateNotFoundError:  # a store failure is not "not found": it propagates
            return None
        r = appeal.registered or {}
        code = next((s.code for s in services.values() if s.name == r.get("applicant_topic")), "")
        location = r.get("location") or {}
        return {"service_request_id": request_id, "status": appeal.status,
                "status_notes": appeal.status_notes, "service_name": r.get("applicant_topic"),
                "service_code": code, "description": r.get("text"),
                "agency_responsible": None, "service_notice": None,
                "requested_datetime": r.get("received_at"),
                "updated_datetime": appeal.updated_at.isoformat() if appeal.updated_at else None,
                "expected_datetime": None, "address": location.get("territory"),
                "address_id": None, "zipcode": None, "lat": location.get("latitude"),
                "long": location.get("longitude"), "media_url": None}

    @api.get("/open311/v2/requests/{request_id}.json", tags=["open311"],
             summary="GeoReport v2: один запрос")
    async def open311_one(request_id: str) -> JSONResponse:
        found = await asyncio.to_thread(request_json, request_id)
        if found is None:
            return geo_error(404, f"запрос {request_id} не найден")
        return JSONResponse([found])

    @api.get("/open311/v2/requests.json", tags=["open311"], summary="GeoReport v2: запросы")
    async def open311_many(service_request_id: Annotated[str, Query(
            description="Номера через запятую")] = "") -> JSONResponse:
        ids = [i for i in service_request_id.split(",") if i][:100]
        if not ids:
            return geo_error(400, "укажите service_request_id (через запятую)")
        found = [r for r in await asyncio.gather(*(asyncio.to_thread(request_json, i)
                                                   for i in ids)) if r]
        return JSONResponse(found)

    return api
