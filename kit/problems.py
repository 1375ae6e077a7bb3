"""RFC 9457 problem responses: a stable code for programs, Russian text for people."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


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


def problem_response(status: int, code: str, title: str, detail: str = "",
                     instance: str = "", **extra: Any) -> JSONResponse:
    body = {"type": f"urn:mcu:problem:{code}", "title": title, "status": status, "code": code,
            "detail": detail or title, "instance": instance, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


_REASONS_RU = {
    "missing": "обязательное поле не заполнено",
    "string_too_short": "значение слишком короткое",
    "string_too_long": "значение слишком длинное",
    "extra_forbidden": "неизвестное поле",
    "enum": "значение не из списка допустимых",
    "literal_error": "значение не из списка допустимых",
    "datetime_from_date_parsing": "неверный формат даты и времени",
    "timezone_aware": "укажите часовой пояс",
    "uuid_parsing": "неверный идентификатор",
    "json_invalid": "тело запроса не является корректным JSON",
}


def install(api: FastAPI) -> None:
    @api.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title, exc.detail,
                                request.url.path, **exc.extra)

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette still logs the exception; the client gets a problem, not bare text.
        return problem_response(500, "internal_error", "Внутренняя ошибка сервиса",
                                "Запрос не выполнен; повторите позже. Принятые данные не"
                                " потеряны.", request.url.path)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"),
             "reason": _REASONS_RU.get(e["type"], e["msg"]), "type": e["type"]}
            for e in exc.errors()
        ]
        return problem_response(422, "validation_failed", "Данные не прошли проверку",
                                "; ".join(f"{e['field']}: {e['reason']}" for e in errors),
                                request.url.path, errors=errors)
