"""RFC 9457 problem responses: a stable code for programs, Russian text for people."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from kit.validation import field_errors

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    field: str = Field(description="Поле запроса")
    reason: str = Field(description="Что не так, по-русски")
    type: str = Field(description="Код проверки pydantic")


class ProblemDetails(BaseModel):
    """RFC 9457 problem document: a stable `code` for programs, Russian text for people."""

    type: str = Field(examples=["urn:mcu:problem:appeal_not_found"])
    title: str
    status: int = Field(ge=400, le=599)
    code: str = Field(description="Стабильный код отказа")
    detail: str
    instance: str = Field(description="Путь запроса")
    errors: list[FieldError] | None = Field(default=None,
                                            description="validation_failed: по полям")

    model_config = {"extra": "allow"}


STATUS_TEXT = {
    400: "Запрос не может быть выполнен в таком виде",
    401: "Требуется вход: токен сотрудника или ключ канала",
    403: "Роль не позволяет это действие",
    404: "Не найдено (или вне зоны ответственности — ответ тот же)",
    409: "Противоречит текущему состоянию",
    413: "Тело запроса больше допустимого для этого адреса",
    422: "Данные не прошли проверку (поля и причины)",
    503: "Зависимость недоступна: повторите позже",
}


def responses(*statuses: int) -> dict[int | str, dict]:
    """The problem answers a door may give, for its OpenAPI operation (the runtime
    rewrites their content type to application/problem+json)."""
    return {status: {"model": ProblemDetails, "description": STATUS_TEXT[status]}
            for status in statuses}


class Problem(Exception):
    """Raise from any endpoint; rendered as application/problem+json."""

    def __init__(self, status: int, code: str, title: str, detail: str = "", **extra: Any):
        super().__init__(f"{code}: {detail or title}")
        self.status, self.code, self.title, self.detail, self.extra = status, code, title, detail, extra


def appeal_not_found() -> Problem:
    """The one answer of every door for an appeal that does not exist and for one out of
    the caller's reach: nothing tells a stranger which appeals exist."""
    return Problem(404, "appeal_not_found", "Обращение не найдено",
                   "Обращения с таким номером нет или оно вне вашей зоны ответственности")


def _problem(status: int, code: str, title: str, detail: str, instance: str,
             **extra: Any) -> dict:
    return {"type": f"urn:mcu:problem:{code}", "title": title, "status": status, "code": code,
            "detail": detail or title, "instance": instance, **extra}


def problem_body(status: int, code: str, title: str, detail: str = "",
                 instance: str = "") -> bytes:
    """The problem document as bytes, for layers below the application (limits)."""
    return json.dumps(_problem(status, code, title, detail, instance),
                      ensure_ascii=False).encode()


async def send_problem(send, status: int, code: str, title: str, detail: str,
                       path: str, close: bool = False) -> None:
    """A problem answered from an ASGI layer, before any route (limits, credentials)."""
    body = problem_body(status, code, title, detail, path)
    headers = [(b"content-type", PROBLEM_JSON.encode()),
               (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def problem_response(status: int, code: str, title: str, detail: str = "",
                     instance: str = "", headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body = _problem(status, code, title, detail, instance, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def invalid(errors: list[dict]) -> Problem:
    """422 `validation_failed` naming every field and its reason."""
    return Problem(422, "validation_failed", "Данные не прошли проверку",
                   "; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)


_FRAMEWORK = {404: ("not_found", "Адрес не найден"),
              405: ("method_not_allowed", "Метод не поддерживается по этому адресу")}


ErrorShape = Callable[[int, str, dict | None], Response]


def _methods_of(request: Request) -> list[str]:
    """The methods the OpenAPI document gives this request's path (RFC 9110's Allow):
    the document, not the one route the framework tried, so both agree."""
    found: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            found |= {method.upper() for method in operations}
    return sorted(found)


def install(api: FastAPI, shapes: Mapping[str, ErrorShape] | None = None) -> None:
    """Every refusal of the service as an RFC 9457 problem; under a path prefix of
    `shapes` in that protocol's own error shape instead (Open311's GeoReport arrays)."""
    shapes = dict(shapes or {})

    def answer(request: Request, status: int, code: str, title: str, detail: str,
               headers: dict | None = None, **extra: Any) -> Response:
        for prefix, shape in shapes.items():
            if request.url.path.startswith(prefix):
                return shape(status, detail or title, headers)
        return problem_response(status, code, title, detail, request.url.path,
                                headers=headers, **extra)

    @api.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return answer(request, exc.status, exc.code, exc.title, exc.detail, **exc.extra)

    from kit.stores import ConcurrentChange  # the stores know nothing of HTTP

    @api.exception_handler(ConcurrentChange)
    async def _raced(request: Request, exc: ConcurrentChange) -> Response:
        return answer(request, 409, "concurrent_change", "Обращение изменилось одновременно",
                      "Обращение менялось одновременно с вашей командой несколько раз подряд;"
                      " обновите карточку и повторите")

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette still logs the exception; the client gets a problem, not bare text.
        return answer(request, 500, "internal_error", "Внутренняя ошибка сервиса",
                      "Запрос не выполнен; повторите позже. Принятые данные не потеряны.")

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # the framework's own refusals, said as every other one is
        if exc.status_code == 400:  # a body that cannot be parsed at all
            form = request.headers.get("content-type", "").startswith(
                ("multipart/form-data", "application/x-www-form-urlencoded"))
            reason = ("форма не прочитана: поле больше 1 МБ или данные повреждены" if form
                      else "тело запроса не является корректным JSON (UTF-8)")
            problem = invalid([{"field": "тело запроса", "type": "body_unreadable",
                                "reason": reason}])
            return answer(request, problem.status, problem.code, problem.title,
                          problem.detail, **problem.extra)
        code, title = _FRAMEWORK.get(exc.status_code, ("http_error", "Запрос не выполнен"))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of every route on this path, not one's
            headers["Allow"] = ", ".join(_methods_of(request))
        return answer(request, exc.status_code, code, title, title, headers=headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problem = invalid(field_errors(exc.errors()))
        return answer(request, problem.status, problem.code, problem.title, problem.detail,
                      **problem.extra)


def as_problem_documents(schema: dict, skip_prefixes: tuple[str, ...] = ()) -> dict:
    """Every 4xx/5xx answer of the OpenAPI document as what the service sends: a
    ProblemDetails in application/problem+json (FastAPI writes application/json and its
    own HTTPValidationError for 422). Paths under `skip_prefixes` keep their own error
    shapes (Open311's GeoReport arrays)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ProblemDetails", ProblemDetails.model_json_schema(
        ref_template="#/components/schemas/{model}"))
    for name, model in (("FieldError", FieldError),):
        components.setdefault(name, model.model_json_schema())
    components["ProblemDetails"].pop("$defs", None)
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    for path, operations in schema.get("paths", {}).items():
        if path.startswith(skip_prefixes):
            for operation in operations.values():  # their invalid input is their own 400
                operation.get("responses", {}).pop("422", None)
            continue
        for operation in operations.values():
            for status, answer in operation.get("responses", {}).items():
                if str(status)[0] in "45":
                    answer["content"] = dict(problem)
                    if str(status) == "422":
                        answer["description"] = STATUS_TEXT[422]
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
