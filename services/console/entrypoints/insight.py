"""The MCU dashboard (with the memo) and the analyst's SQL.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from services.console.adapters.upstream import Refused
from services.console.domain import dashboard
from services.console.domain.sessions import Session
from services.console.entrypoints.web import Pages, as_csv


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    def this_week(who: Session) -> str:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        return dashboard.iso_week(datetime.now(ZoneInfo(who.timezone)).date())

    @pages.get("/dashboard")
    async def dashboard_page(who: Who, week: Annotated[str | None, Query(
            pattern=r"^(19|20)\d{2}-W(0[1-9]|[1-4]\d|5[0-3])$")] = None) -> HTMLResponse:
        week = week or this_week(who)
        board = await web.app.dashboard(who, week)
        return web.render("dashboard.html", who=who, board=board,
                          charts_json=json.dumps(board.charts, ensure_ascii=False).replace(
                              "</", "<\\/"),  # nothing in the data ends the script element
                          previous=dashboard.shifted(week, -1),
                          following=dashboard.shifted(week, 1),
                          current=this_week(who))

    @pages.get("/dashboard/memo")
    async def memo(who: Who, week: Annotated[str, Query(
            pattern=r"^(19|20)\d{2}-W(0[1-9]|[1-4]\d|5[0-3])$")],
                   format: Annotated[str, Query(pattern="^(pdf|html)$")] = "pdf") -> Response:
        answer = await web.app.memo(who, week, format)
        headers = {k: v for k, v in answer.headers.items()
                   if k.lower() in ("content-type", "content-disposition")}
        return Response(answer.content, 200, headers={**headers, "Cache-Control": "no-store"})

    # -- the analyst's SQL ---------------------------------------------------------------
    EXAMPLE = ("SELECT topic, count() AS appeals\nFROM appeals\n"
               "WHERE registered_day >= today() - 7\nGROUP BY topic\nORDER BY appeals DESC")

    async def analyst_page(who: Session, text: str, status: int = 200, **extra) -> HTMLResponse:
        try:
            tables = await web.app.tables(who)
        except Refused as refusal:
            tables, extra["refused"] = [], extra.get("refused") or refusal
        return web.render("analyst.html", status, who=who, sql=text, tables=tables, **extra)

    @pages.get("/analyst")
    async def analyst(who: Who) -> HTMLResponse:
        return await analyst_page(who, EXAMPLE)

    @pages.post("/analyst")
    async def run_sql(who: Acting, sql: Annotated[str, Form(max_length=20_000)] = "",
                      download: Annotated[str, Form(max_length=5)] = "") -> Response:
        try:
            answer = await web.app.sql(who, sql)
        except Refused as refusal:
            return await analyst_page(who, sql, 422 if refusal.status < 500 else 502,
                                      refused=refusal)
        if download:
            return Response(as_csv(answer), media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": 'attachment; filename="mcu-query.csv"',
                "Cache-Control": "no-store"})
        return await analyst_page(who, sql, answer=answer)
