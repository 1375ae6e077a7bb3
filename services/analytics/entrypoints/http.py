"""Analytics HTTP API: indicators, the weekly memo, exports and analysts' read-only SQL.

Every request carries the staff token (`Authorization: Bearer`) of a person whose role
may read indicators (`READERS`) or run SQL (`SQL_ROLES`).
(No `from __future__ import annotations`: FastAPI must see the caller dependency, built
inside `router`, as an object.)
"""

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from contracts.vocabulary import Role
from kit.directory import Directory, Person
from kit.problems import Problem
from kit.staff import caller, require_role
from services.analytics import exports
from services.analytics.adapters.analyst_sql import AnalystSql, SqlFailed
from services.analytics.application import Analytics
from services.analytics.domain.indicators import IndicatorError, Period
from services.analytics.domain.sql_sandbox import SqlRefused
from services.analytics.memo.render import render_html, render_pdf

READERS = (Role.ANALYST, Role.AUDITOR, Role.MCU_HEAD, Role.ADMINISTRATOR, Role.BLOCK_CURATOR)
SQL_ROLES = (Role.ANALYST, Role.AUDITOR, Role.ADMINISTRATOR)
Week = Annotated[str | None, Query(description="ISO-неделя, например 2026-W47")]


class SqlRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=20_000, examples=["SELECT count() FROM events"])


def _period(start: date | None, end: date | None, week: str | None) -> Period:
    try:
        if week:
            return Period.iso_week(week)
        if start and end:
            return Period.of(start, end)
    except IndicatorError as exc:
        raise Problem(422, exc.code, "Неверный период", str(exc)) from None
    raise Problem(422, "period_required", "Не указан период",
                  "Укажите week=2026-W47 или start и end (конец не включается)")


def router(analytics: Analytics, directory: Directory, analyst_sql: AnalystSql) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["analytics"])
    Who = Annotated[Person, Depends(caller(directory))]

    async def run(fn, *args):
        try:
            return await asyncio.to_thread(fn, *args)
        except IndicatorError as exc:
            raise Problem(422, exc.code, "Неверные параметры", str(exc)) from None

    @api.get("/indicators/counts", summary="Новые, повторные, просроченные, отложенные по измерению")
    async def counts(who: Who, dim: str = "topic", week: Week = None, start: date | None = None,
                     end: date | None = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.counts, _period(start, end, week), dim)

    @api.get("/indicators/rating", summary="Рейтинг получателей со всеми составляющими")
    async def rating(who: Who, week: Week = None, start: date | None = None,
                     end: date | None = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.rating, _period(start, end, week))

    @api.get("/indicators/heatmap", summary="Тепловая карта: темы × территории и рост")
    async def heatmap(who: Who, week: Week = None, start: date | None = None,
                      end: date | None = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.heatmap, _period(start, end, week))

    @api.get("/indicators/growth", summary="Факторы роста: аномальные всплески и обращения за ними")
    async def growth(who: Who, dim: str = "topic", week: Week = None,
                     start: date | None = None, end: date | None = None) -> list[dict]:
        require_role(who, READERS)
        return await run(analytics.reports.growth_factors, _period(start, end, week), dim)

    @api.get("/indicators/workload", summary="Нагрузка по блокам и исполнителям")
    async def workload(who: Who, week: Week = None, start: date | None = None,
                       end: date | None = None) -> dict:
        require_role(who, READERS)
        return await run(analytics.reports.workload, _period(start, end, week))

    @api.get("/indicators/satisfaction", summary="Удовлетворённость заявителей")
    async def satisfaction(who: Who, week: Week = None, start: date | None = None,
                           end: date | None = None) -> dict:
        require_role(who, READERS)
        return await run(analytics.reports.satisfaction, _period(start, end, week))

    @api.get("/memo/{week}", summary="Еженедельная аналитическая записка (HTML или PDF)")
    async def memo(who: Who, week: str, format: str = "html") -> Response:
        require_role(who, READERS)
        data = await run(analytics.memo_data, week)
        if format == "pdf":
            pdf = await asyncio.to_thread(render_pdf, data)
            return Response(pdf, media_type="application/pdf", headers={
                "Content-Disposition": f'attachment; filename="memo-{week}.pdf"'})
        return Response(await asyncio.to_thread(render_html, data), media_type="text/html")

    @api.get("/exports", summary="Выгрузка показателей для ЦУР (CSV или XLSX)")
    async def export(who: Who, week: Week = None, start: date | None = None,
                     end: date | None = None, format: str = "xlsx",
                     table: str = "counts_by_topic") -> Response:
        require_role(who, READERS)
        period = _period(start, end, week)
        if format == "csv":
            if table not in exports.SHEETS:
                raise Problem(422, "unknown_table", "Неизвестная таблица",
                              f"есть: {', '.join(exports.SHEETS)}")
            data = await run(exports.tables, analytics.reports, period, [table])
            return Response(exports.to_csv(data[table]), media_type="text/csv; charset=utf-8")
        data = await run(exports.tables, analytics.reports, period)
        return Response(exports.to_xlsx(data), media_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            headers={"Content-Disposition": 'attachment; filename="mcu-indicators.xlsx"'})

    @api.post("/sql", summary="SQL аналитика: только чтение таблиц проекта, с ограничениями")
    async def sql(body: SqlRequest, who: Who) -> dict:
        require_role(who, SQL_ROLES)
        try:
            answer = await asyncio.to_thread(analyst_sql.run, body.sql)
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
