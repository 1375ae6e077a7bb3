"""Open311 GeoReport v2 (JSON), as the specification writes it.

* `GET services.json`, `GET services/{code}.json` (no service of ours has attributes:
  metadata=false, so a definition is a 404 in GeoReport's shape);
* `POST requests.json` (form-encoded, the key in `api_key`);
* `GET requests/{id}.json`; `GET requests.json` with ids, or with the optional filters
  `status`, `service_code`, `start_date`, `end_date` (the last 90 days by default, a range
  of at most 90 days, at most 1000 requests, newest first); both take `jurisdiction_id`,
  the municipality's, as GeoReport has it for an endpoint serving several.

Every answer, errors included, is GeoReport's JSON (`application/json; charset=utf-8`);
errors are arrays of `{code, description}`. `agency_responsible` is the recipient routing
chose, `expected_datetime` the answer's deadline as SLA set it.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from contracts.vocabulary import Channel
from kit.deployment import Deployment
from kit.problems import Problem
from kit.validation import Moment, field_errors
from services.intake.adapters import open311
from services.intake.application import IntakeApplication
from services.intake.entrypoints.batching import RegistrationBatcher
from services.intake.entrypoints.channel_keys import ChannelKeys
from services.intake.entrypoints.http import registered

JSON = "application/json; charset=utf-8"
MAX_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
Jurisdiction = Annotated[str | None, Query(
    max_length=200, description="Муниципалитет (его jurisdiction_id); без него — все")]


class GeoError(BaseModel):
    code: int
    description: str


def geo_error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status,
                        media_type=JSON)


def geo(content) -> JSONResponse:
    return JSONResponse(content, media_type=JSON)


ERRORS = {status: {"model": list[GeoError], "description": text} for status, text in (
    (400, "Неверный запрос (GeoReport)"), (403, "Неверный api_key (GeoReport)"),
    (404, "Не найдено (GeoReport)"))}


def router(app: IntakeApplication, keys: ChannelKeys, batcher: RegistrationBatcher,
           services: dict[str, open311.Service], deployment: Deployment) -> APIRouter:
    api = APIRouter(prefix="/open311/v2", tags=["open311"])

    @api.get("/services.json", summary="GeoReport v2: темы")
    async def open311_services() -> JSONResponse:
        return geo([open311.service_json(s) for s in services.values()])

    @api.get("/services/{service_code}.json", summary="GeoReport v2: описание темы",
             responses={404: ERRORS[404]})
    async def open311_service(service_code: str) -> JSONResponse:
        if service_code not in services:
            return geo_error(404, f"service_code «{service_code}» неизвестен: см. services.json")
        return geo_error(404, f"у темы «{services[service_code].name}» нет дополнительных"
                              " полей (metadata=false)")

    @api.post("/requests.json", status_code=201, responses={400: ERRORS[400],
                                                            403: ERRORS[403]},
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
            await registered(batcher, command)
        except Problem as refused:  # GeoReport clients read its own error shape
            return geo_error(400 if refused.status == 422 else refused.status, refused.detail)
        return JSONResponse([{"service_request_id": request_id,
                              "service_notice": "Сообщение принято и зарегистрировано"}],
                            status_code=201, media_type=JSON)

    def jurisdiction(jurisdiction_id: str | None) -> str | None:
        """The municipality a reader's jurisdiction_id names (None: every one); GeoReport
        asks for it where one endpoint serves several jurisdictions."""
        if not jurisdiction_id:
            return None
        found = deployment.by_channel("open311", jurisdiction_id)
        if found is None:
            raise open311.Open311Error(400, f"jurisdiction_id «{jurisdiction_id}» не обслуживается"
                                            " здесь")
        return found

    def request_json(request_id: str, municipality: str | None = None) -> dict | None:
        appeal = app.appeal(Channel.OPEN311, request_id)
        if appeal is None or appeal.registered is None or (
                municipality is not None and appeal.municipality != municipality):
            return None
        r = appeal.registered
        code = next((s.code for s in services.values() if s.name == r.applicant_topic), "")
        agency = deployment.directory_of(appeal.municipality).organizations.get(
            appeal.agency or "")
        return {"service_request_id": request_id, "status": appeal.status,
                "status_notes": appeal.status_notes, "service_name": r.applicant_topic,
                "service_code": code, "description": r.text,
                "agency_responsible": agency.name if agency else None, "service_notice": None,
                "requested_datetime": r.received_at.isoformat(),
                "updated_datetime": appeal.updated_at.isoformat() if appeal.updated_at else None,
                "expected_datetime": appeal.expected_at, "address": r.location.territory,
                "address_id": None, "zipcode": None, "lat": r.location.latitude,
                "long": r.location.longitude, "media_url": None}

    @api.get("/requests/{request_id}.json", summary="GeoReport v2: один запрос",
             responses={400: ERRORS[400], 404: ERRORS[404]})
    async def open311_one(request_id: str, jurisdiction_id: Jurisdiction = None) -> JSONResponse:
        try:
            municipality = jurisdiction(jurisdiction_id)
        except open311.Open311Error as exc:
            return geo_error(exc.status, str(exc))
        found = await asyncio.to_thread(request_json, request_id, municipality)
        if found is None:
            return geo_error(404, f"запрос {request_id} не найден")
        return geo([found])

    @api.get("/requests.json", summary="GeoReport v2: запросы (по номерам или по фильтрам)",
             responses={400: ERRORS[400]})
    async def open311_many(
            service_request_id: Annotated[str, Query(
                max_length=2000, description="Номера через запятую (тогда прочие условия"
                                             " не действуют)")] = "",
            service_code: Annotated[str, Query(max_length=2000,
                                               description="Темы через запятую")] = "",
            start_date: Moment | None = None, end_date: Moment | None = None,
            status: Annotated[str, Query(pattern=r"^((open|closed)(,(open|closed))*)?$",
                                         description="open, closed или оба")] = "",
            jurisdiction_id: Jurisdiction = None,
    ) -> JSONResponse:
        try:
            municipality = jurisdiction(jurisdiction_id)
        except open311.Open311Error as exc:
            return geo_error(exc.status, str(exc))
        ids = [i for i in service_request_id.split(",") if i][:MAX_REQUESTS]
        if ids:
            found = await asyncio.gather(*(asyncio.to_thread(request_json, i, municipality)
                                           for i in ids))
            return geo([r for r in found if r])
        try:
            start, end = _range(start_date, end_date)
        except ValueError as exc:
            return geo_error(400, str(exc))
        wanted_status = set(filter(None, status.split(",")))
        wanted_codes = set(filter(None, service_code.split(",")))
        found = []
        for request_id in await asyncio.to_thread(app.open311_requests, start, end):
            item = await asyncio.to_thread(request_json, request_id, municipality)
            if item is None or (wanted_status and item["status"] not in wanted_status) or (
                    wanted_codes and item["service_code"] not in wanted_codes):
                continue
            found.append(item)
            if len(found) == MAX_REQUESTS:
                break
        return geo(found)

    return api


def geo_failure(status: int, description: str, headers: dict | None = None) -> JSONResponse:
    """Any refusal under /open311/ (an unknown resource, a method it does not take, an
    invalid parameter) in GeoReport's shape: invalid input is its 400."""
    status = 400 if status == 422 else status
    answer = geo_error(status, description)
    answer.headers.update(headers or {})
    return answer


def _range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """GeoReport's search range: the last 90 days by default, never more than 90 days."""
    if start is None and end is None:
        end = datetime.now(UTC)
    if end is None:
        end = min(start + MAX_SPAN, datetime.now(UTC))
    if start is None:
        start = end - MAX_SPAN
    if end < start:
        raise ValueError("end_date раньше start_date")
    if end - start > MAX_SPAN:
        raise ValueError("диапазон start_date–end_date больше 90 дней")
    return start, end
