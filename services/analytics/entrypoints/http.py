"""Analytics HTTP API: indicators, the weekly memo, exports and analysts' read-only SQL.

Every request carries the staff token (`Authorization: Bearer`) of a person whose role
may read indicators (`READERS`) or run SQL (`SQL_ROLES`).
(No `from __future__ import annotations`: FastAPI must see the caller dependency, built
inside `router`, as an object.)
"""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from contracts.vocabulary import Role
from kit.deployment import Deployment
from kit.directory import Person
from kit import problems
from kit.problems import Problem
from kit.staff import caller, require_role
from services.analytics.adapters import exports
from services.analytics.adapters.analyst_sql import AnalystSql, SqlFailed
from services.analytics.adapters.witness import fetch_witness
from services.analytics.application import Analytics
from services.analytics.domain.indicators import IndicatorError, Period
from services.analytics.adapters.reports import DIMENSIONS, GROWTH_DIMENSIONS
from services.analytics.domain.sql_sandbox import SqlRefused
from services.analytics.adapters.memo.render import render_html, render_pdf

READERS = (Role.ANALYST, Role.AUDITOR, Role.MCU_HEAD, Role.ADMINISTRATOR, Role.BLOCK_CURATOR,
           Role.REGIONAL_CURATOR, Role.REGIONAL_ANALYST, Role.REGIONAL_AUDITOR)
SQL_ROLES = (Role.ANALYST, Role.AUDITOR, Role.ADMINISTRATOR, Role.REGIONAL_ANALYST,
             Role.REGIONAL_AUDITOR)
WEEK = r"(19|20)\d{2}-W(0[1-9]|[1-4]\d|5[0-3])"
DAY = r"(19|20)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
PeriodText = Annotated[str, Query(
    pattern=f"^({WEEK}|{DAY}\\.\\.{DAY})$",
    description="ISO-неделя (2026-W47) или дни с первого по последний включительно"
                " (2026-11-16..2026-11-22)", examples=["2026-W47"])]
WeekText = Annotated[str, Path(pattern=f"^{WEEK}$", description="ISO-неделя, например 2026-W47",
                               examples=["2026-W47"])]
Dimension = Literal[tuple(DIMENSIONS)]
GrowthDimension = Literal[tuple(GROWTH_DIMENSIONS)]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SqlRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=20_000, examples=["SELECT count() FROM events"])


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except IndicatorError as exc:
        raise Problem(422, exc.code, "Неверный период", str(exc)) from None


Municipality = Annotated[str | None, Query(
    max_length=64, description="Муниципалитет (id): один из своих; по умолчанию — все, "
    "что видит сотрудник (свой муниципалитет, у регионального — муниципалитеты региона)")]


def router(analytics: Analytics, directory: Deployment, analyst_sql: AnalystSql,
           audit_address: str = "http://127.0.0.1:8005") -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["analytics"],
                    responses=problems.responses(401, 403, 404, 422))
    Who = Annotated[Person, Depends(caller(directory))]

    def scope(who: Person, municipality: str | None) -> list[str]:
        """The municipalities whose rows the caller may see (and asked for); another's is
        answered as one that does not exist."""
        reach = directory.reach(who)
        if municipality is not None:
            if municipality not in reach:
                raise Problem(404, "unknown_municipality", "Муниципалитет не найден",
                              f"«{municipality}» нет среди ваших муниципалитетов")
            return [municipality]
        if not reach:
            raise Problem(403, "forbidden_role", "Недостаточно прав",
                          "Показатели видят сотрудники муниципалитета или региона")
        return sorted(reach)

    async def run(fn, *args):
        try:
            return await asyncio.to_thread(fn, *args)
        except IndicatorError as exc:
            raise Problem(422, exc.code, "Неверные параметры", str(exc)) from None

    @api.get("/indicators/counts", summary="Новые, повторные, просроченные, отложенные по измерению")
    async def counts(who: Who, period: PeriodText, dim: Dimension = "topic",
                     municipality: Municipality = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.counts, _period(period), dim,
                         scope(who, municipality))

    @api.get("/indicators/rating", summary="Рейтинг получателей со всеми составляющими")
    async def rating(who: Who, period: PeriodText,
                     municipality: Municipality = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.rating, _period(period), scope(who, municipality))

    @api.get("/indicators/heatmap", summary="Тепловая карта: темы × территории и рост")
    async def heatmap(who: Who, period: PeriodText,
                     municipality: Municipality = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.heatmap, _period(period), scope(who, municipality))

    @api.get("/indicators/growth", summary="Факторы роста: аномальные всплески и обращения за ними")
    async def growth(who: Who, period: PeriodText, dim: GrowthDimension = "topic",
                     municipality: Municipality = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.growth_factors, _period(period), dim, 20,
                         scope(who, municipality))

    @api.get("/indicators/municipalities",
             summary="Рейтинг муниципальных МЦУ региона: объём на 1000 жителей, своевременность,"
                     " полнота, удовлетворённость")
    async def municipalities(who: Who, period: PeriodText) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.municipalities, _period(period), scope(who, None))

    @api.get("/indicators/workload", summary="Нагрузка по блокам и исполнителям")
    async def workload(who: Who, period: PeriodText,
                     municipality: Municipality = None) -> dict:
        require_role(who, READERS)
        return await run(analytics.reports.workload, _period(period), scope(who, municipality))

    @api.get("/indicators/satisfaction", summary="Удовлетворённость заявителей")
    async def satisfaction(who: Who, period: PeriodText,
                     municipality: Municipality = None) -> dict:
        require_role(who, READERS)
        return await run(analytics.reports.satisfaction, _period(period), scope(who, municipality))

    @api.get("/indicators/delivery", summary="Доставка ответов: доставлено, в пути, сбои, "
             "время от публикации до доставки")
    async def delivery(who: Who, period: PeriodText,
                       municipality: Municipality = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.delivery, _period(period), scope(who, municipality))

    @api.get("/memo/{week}", summary="Еженедельная аналитическая записка (HTML или PDF)",
             response_class=Response, responses={200: {"content": {
                 "text/html": {"schema": {"type": "string"}},
                 "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
    async def memo(who: Who, week: WeekText, format: Literal["html", "pdf"] = "html",
                   municipality: Municipality = None) -> Response:
        require_role(who, READERS)
        chosen = scope(who, municipality)
        data = await run(analytics.memo_data, week, None, chosen)
        data["witness"] = await asyncio.to_thread(fetch_witness, audit_address,
                                                  analytics.week_end(week, chosen))
        if format == "pdf":
            pdf = await asyncio.to_thread(render_pdf, data)
            return Response(pdf, media_type="application/pdf", headers={
                "Content-Disposition": f'attachment; filename="memo-{week}.pdf"'})
        return Response(await asyncio.to_thread(render_html, data), media_type="text/html")

    @api.get("/exports", summary="Выгрузка показателей для ЦУР (CSV или XLSX)",
             response_class=Response, responses={200: {"content": {
                 "text/csv": {"schema": {"type": "string"}},
                 XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
    async def export(who: Who, period: PeriodText, format: Literal["xlsx", "csv"] = "xlsx",
                     table: Literal[tuple(exports.SHEETS)] = "counts_by_topic",
                     municipality: Municipality = None) -> Response:
        require_role(who, READERS)
        period = _period(period)
        if format == "csv":
            data = await run(exports.tables, analytics.reports, period, [table],
                             scope(who, municipality))
            return Response(exports.to_csv(data[table]), media_type="text/csv; charset=utf-8")
        data = await run(exports.tables, analytics.reports, period, None,
                         scope(who, municipality))
        return Response(exports.to_xlsx(data), media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="mcu-indicators.xlsx"'})

    @api.post("/sql", summary="SQL аналитика: только чтение таблиц проекта, с ограничениями",
              responses=problems.responses(400, 413))
    async def sql(body: SqlRequest, who: Who) -> dict:
        require_role(who, SQL_ROLES)
        reach = scope(who, None)  # rows of the caller's municipalities only
        whole = set(reach) == set(directory.municipalities)
        try:
            answer = await asyncio.to_thread(analyst_sql.run, body.sql,
                                             None if whole else reach)
        except SqlRefused as exc:
            raise Problem(403, exc.code, "Запрос отклонён", str(exc)) from None
        except SqlFailed as exc:
            status = 422 if exc.code == "sql_limit_exceeded" else 400
            raise Problem(status, exc.code, "Ошибка запроса", str(exc)) from None
        return {"columns": answer.columns, "rows": [[_plain(v) for v in r] for r in answer.rows],
                "truncated": answer.truncated}

    return api


def _plain(value):
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)
