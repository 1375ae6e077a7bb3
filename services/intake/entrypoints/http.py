"""Intake HTTP API: the channels' doors, each with its own API key.

* `POST /api/v1/appeals`: web form, operator entry of phone calls, letters, e-mail;
* `POST /api/v1/channels/pos/messages`: the ПОС webhook;
* `POST /api/v1/channels/incident/imports`, `…/email/messages`: exports and letters;
* Open311 GeoReport v2 is in `open311_http.py`.
"""

import asyncio
import uuid
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field, ValidationError, create_model

from contracts.vocabulary import Channel
from kit import problems
from kit.deployment import Deployment
from kit.problems import Problem, invalid
from kit.validation import field_errors
from services.intake.adapters import incident, mail, pos
from services.intake.application import RegistrationRefused
from services.intake.entrypoints.batching import RegistrationBatcher
from services.intake.entrypoints.channel_keys import ChannelKeys
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


# a repeated delivery of an item already registered is answered 200 with its appeal
AGAIN = {200: {"model": Accepted, "description": "Уже зарегистрировано (повторная доставка)"}}


def adapted(to_command, item) -> RegisterAppeal:
    """A channel's item as a registration; what the item cannot become is a 422 naming
    each field, never a fault."""
    try:
        return to_command(item)
    except ValidationError as exc:
        raise invalid(field_errors(exc.errors())) from None


async def registered(batcher: RegistrationBatcher, command: RegisterAppeal) -> Accepted:
    """Answered once its batch is committed; an item the batch refused is a 422."""
    try:
        result = await batcher.submit(command)
    except RegistrationRefused as refused:
        raise invalid(refused.errors) from None
    return Accepted(appeal_id=result.appeal_id, duplicate=result.duplicate,
                    repeat_of=result.repeat_of)


def form_of(deployment: Deployment) -> type[RegisterAppeal]:
    """The web form and operator entry as this deployment's OpenAPI document says them:
    `municipality` one of its municipalities' ids (so the document tells a client which
    are valid, and any other is a 422 naming the field)."""
    ids = tuple(sorted(deployment.municipalities))
    field = RegisterAppeal.model_fields["municipality"]
    return create_model("RegisterAppeal", __base__=RegisterAppeal, __module__=__name__,
                        municipality=(Literal[ids] | None, Field(  # type: ignore[valid-type]
                            default=None, description=field.description)))


def router(keys: ChannelKeys, batcher: RegistrationBatcher, deployment: Deployment
           ) -> APIRouter:
    """The channels' doors; an export's times that carry no zone are read in the zone of
    the row's municipality unless the request names another."""

    def zone_of(municipality_name: str | None) -> ZoneInfo:
        found = deployment.by_channel("incident", municipality_name)
        m = deployment.municipalities.get(found or "") or deployment.single \
            or deployment.municipality(None)
        return ZoneInfo(m.timezone)

    api = APIRouter(tags=["intake"], responses=problems.responses(401, 403, 413, 422))

    def require(channel: Channel, key: str | None) -> None:
        found = keys.channel_of(key)
        if found is None:
            raise Problem(401, "invalid_api_key", "Неверный ключ канала",
                          "Передайте ключ канала в заголовке X-API-Key")
        if found is not channel:
            raise Problem(403, "wrong_channel", "Ключ другого канала",
                          f"Ключ выдан каналу «{found.value}», а не «{channel.value}»")

    async def register(command: RegisterAppeal) -> tuple[Accepted, bool]:
        accepted = await registered(batcher, command)
        return accepted, accepted.duplicate

    @api.post("/api/v1/appeals", status_code=201, response_model=Accepted, responses=AGAIN,
              summary="Зарегистрировать обращение (веб-форма, оператор: телефон, письмо, почта)")
    async def register_any(command: form_of(deployment), response: Response,  # type: ignore[valid-type]
                           x_api_key: ChannelKey = None) -> Accepted:
        require(command.channel, x_api_key)
        accepted, duplicate = await register(command)
        if duplicate:
            response.status_code = 200
        return accepted

    @api.post("/api/v1/channels/pos/messages", status_code=201, response_model=Accepted,
              responses=AGAIN,
              summary="Сообщение ПОС «Госуслуги. Решаем вместе» (webhook)")
    async def pos_message(message: pos.PosMessage, response: Response,
                          x_api_key: ChannelKey = None) -> Accepted:
        require(Channel.POS, x_api_key)
        accepted, duplicate = await register(adapted(pos.to_command, message))
        if duplicate:
            response.status_code = 200
        return accepted

    @api.post("/api/v1/channels/incident/imports",
              summary="Выгрузка «Инцидент Менеджмент» (CSV или XLSX): отчёт по строкам")
    async def incident_import(request: Request, filename: Annotated[str, Query()] = "export.csv",
                              timezone: Annotated[str | None, Query(
                                  description="Пояс времени в выгрузке; по умолчанию — "
                                              "муниципалитета строки")] = None,
                              x_api_key: ChannelKey = None) -> dict:
        require(Channel.INCIDENT, x_api_key)
        try:
            report = incident.parse(await request.body(), filename,
                                    ZoneInfo(timezone) if timezone else zone_of)
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
              responses=AGAIN,
              summary="Письмо (message/rfc822, как файл .eml)")
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

    return api
