"""The auditor's page of an appeal «Проверка по журналу»: its history read from the log
by the audit service, each event proven under a signed checkpoint, the state at a chosen
moment, the decisions re-checked, the checkpoints; the dossier as PDF to attach to an
inspection report. The audit service decides who may read it (the appeal's auditors) and
logs each read. (No `from __future__ import annotations`: FastAPI reads the dependencies.)
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from services.console.adapters.upstream import Refused
from services.console.entrypoints.web import Pages

# the moment as <input type="datetime-local"> sends it: local time, no offset
At = Annotated[str, Query(max_length=16, pattern=r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})?$")]


def add(pages: APIRouter, web: Pages) -> None:
    Who = web.who

    @pages.get("/appeals/{appeal_id}/audit")
    async def audit_page(appeal_id: UUID, who: Who, at: At = "") -> HTMLResponse:
        try:
            report = await web.app.upstream.get(
                "audit", f"/api/v1/appeals/{appeal_id}/audit/report", who.token,
                at=at or None)
        except Refused as refusal:
            status = refusal.status if refusal.status in (403, 404) else 502
            return web.render("missing.html", status, who=who, error=str(refusal))
        return web.render("audit.html", who=who, report=report, appeal_id=appeal_id,
                          at=at or datetime.now(ZoneInfo(report["zone"])).strftime(
                              "%Y-%m-%dT%H:%M"))

    @pages.get("/appeals/{appeal_id}/audit.pdf")
    async def dossier(appeal_id: UUID, who: Who, at: At = "") -> Response:
        try:
            answer = await web.app.upstream.call(
                "audit", "GET", f"/api/v1/appeals/{appeal_id}/audit/dossier", who.token,
                params={"format": "pdf", **({"at": at} if at else {})}, raw=True)
        except Refused as refusal:
            status = refusal.status if refusal.status in (403, 404) else 502
            return web.render("missing.html", status, who=who, error=str(refusal))
        return Response(answer.content, media_type="application/pdf", headers={
            "Content-Disposition": answer.headers.get("content-disposition", "inline"),
            "Cache-Control": "no-store"})
