"""RFC 9457 problem responses: a stable code for programs, Russian text for people."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from kit.validation import field_errors

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


def _problem(status: int, code: str, title: str, detail: str, instance: str,
             **extra: Any) -> dict:
    return {"type": f"urn:mcu:problem:{code}", "title": title, "status": status, "code": code,
            "detail": detail or title, "instance": instance, **extra}


def problem_body(status: int, code: str, title: str, detail: str = "",
                 instance: str = "") -> bytes:
    """The problem document as bytes, for layers below the application (limits)."""
    return json.dumps(_problem(status, code, title, detail, instance),
                      ensure_ascii=False).encode()


def problem_response(status: int, code: str, title: str, detail: str = "",
                     instance: str = "", **extra: Any) -> JSONResponse:
    body = _problem(status, code, title, detail, instance, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def invalid(errors: list[dict]) -> Problem:
    """422 `validation_failed` naming every field and its reason."""
    return Problem(422, "validation_failed", "Данные не прошли проверку",
                   "; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)


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
        problem = invalid(field_errors(exc.errors()))
        return problem_response(problem.status, problem.code, problem.title, problem.detail,
                                request.url.path, **problem.extra)
