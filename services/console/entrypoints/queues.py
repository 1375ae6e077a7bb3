"""The person's queues: one page with counts, filters, search and badges; bulk
assignment and bulk answering of the selected rows.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.adapters.upstream import Refused
from services.console.domain.sessions import Session
from services.console.entrypoints.web import (ANSWERABLE, BULK_LIMIT, FILTER_NAMES, HEADERS,
                                              Pages)


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    def wanted(request: Request) -> dict:
        chosen = {k: v for k in FILTER_NAMES if (v := request.query_params.get(k, "").strip())}
        if chosen.get("repeat") not in (None, "true", "false"):
            chosen.pop("repeat")
        return chosen

    @pages.get("/queue")
    async def queue(request: Request, who: Who,
                    page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
        chosen, size = wanted(request), 25
        error = ""
        try:
            found = await web.app.queue(who, {**chosen, "offset": (page - 1) * size, "limit": size})
        except Refused as refusal:
            found, error = None, str(refusal)
        partial = request.headers.get("hx-request") == "true" and \
            request.headers.get("hx-target") == "worklist"
        context = dict(who=who, found=found, chosen=chosen, page=page, size=size, error=error,
                       passed=request.query_params.get("passed") == "1",
                       query=lambda **change: "?" + urlencode(
                           {k: v for k, v in {**chosen, "page": page, **change}.items() if v}))
        directory = await directory_of(who)
        context["templates"] = await web.app.approved_templates(who) if found and any(
                r["status"] in ANSWERABLE for r in found.rows) else []
        if partial:
            return web.render("queue_rows.html", directory=directory, **context)
        return web.render("queue.html", directory=directory, **context)

    async def directory_of(who: Session) -> dict:
        return await web.app.directory(who.token, who.municipality) if who.municipality else {}

    async def bulk_result(who: Session, asked: int, refused: list, verb: str) -> HTMLResponse:
        """The queue again, with what a bulk action did and each refusal."""
        found = await web.app.queue(who, {"limit": 25})
        return web.render("queue.html", who=who, found=found, chosen={}, page=1, size=25,
                          error="", passed=False, directory=await directory_of(who),
                          bulk_done=asked - len(refused), bulk_refused=refused, bulk_verb=verb,
                          query=lambda **change: "?", templates=[])

    @pages.post("/queue/assignments")
    async def assign_many(request: Request, who: Acting) -> Response:
        """Bulk assignment: the selected appeals to one executor, each through routing."""
        form = await request.form()
        chosen = [str(v) for v in form.getlist("appeal")][:BULK_LIMIT]
        try:
            ids = [UUID(a) for a in chosen]
        except ValueError:
            ids = []
        executor = str(form.get("executor_id") or "")
        if not ids or not executor:
            return RedirectResponse("/queue?bulk=empty", 303, headers=HEADERS)
        refused = await web.app.act_on_many(who, ids, "assign", {"executor_id": [executor]})
        return await bulk_result(who, len(ids), refused, "Назначено")

    @pages.post("/queue/answers")
    async def answer_many(request: Request, who: Acting) -> Response:
        """Bulk answering: one approved template for each selected appeal, sent for approval."""
        form = await request.form()
        try:
            ids = [UUID(str(a)) for a in form.getlist("appeal")][:BULK_LIMIT]
        except ValueError:
            ids = []
        template = str(form.get("template") or "")
        if not ids or not template:
            return RedirectResponse("/queue?bulk=empty", 303, headers=HEADERS)
        refused = await web.app.answer_many(who, ids, template)
        return await bulk_result(who, len(ids), refused, "Отправлено на согласование")
