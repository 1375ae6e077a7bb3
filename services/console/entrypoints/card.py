"""An appeal's card and what can be done from it: the actions routing offers, an
extension of a deadline, the applicant's data behind a reason.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.adapters.upstream import Refused
from services.console.domain.sessions import Session
from services.console.entrypoints.web import HEADERS, Pages


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    async def card_page(who: Session, appeal_id: UUID, status: int = 200, **extra) -> HTMLResponse:
        try:
            card = await web.app.card(who, appeal_id)
        except Refused as refusal:
            status = refusal.status if refusal.status in (403, 404) else 502
            return web.render("missing.html", status,
                              who=who, error=str(refusal))
        return web.render("card.html", status, who=who, card=card, **extra)

    @pages.get("/appeals/{appeal_id}")
    async def card(appeal_id: UUID, who: Who,
                   done: Annotated[str, Query(max_length=40)] = "") -> Response:
        page = await card_page(who, appeal_id, done=done)
        if done and page.status_code == 404:  # the action passed it on: it is not theirs now
            return RedirectResponse("/queue?passed=1", 303, headers=HEADERS)
        return page

    @pages.post("/appeals/{appeal_id}/actions/{action}")
    async def act(appeal_id: UUID, action: str, request: Request, who: Acting) -> Response:
        form = await request.form()
        submitted = {k: [str(v) for v in form.getlist(k)] for k in form.keys() if k != "csrf"}
        try:
            await web.app.act(who, appeal_id, action, submitted)
        except Refused as refusal:
            return await card_page(who, appeal_id, 422 if refusal.status == 422 else 409,
                                   refused=refusal, failed_action=action, submitted=submitted)
        return RedirectResponse(f"/appeals/{appeal_id}?done={action}", 303, headers=HEADERS)

    @pages.post("/appeals/{appeal_id}/deadlines/{stage}/extension")
    async def extend(appeal_id: UUID, stage: str, who: Acting,
                     term: Annotated[str, Form(max_length=10)] = "",
                     reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
        try:
            await web.app.extend(who, appeal_id, stage, term, reason)
        except Refused as refusal:
            return await card_page(who, appeal_id, 422 if refusal.status == 422 else 409,
                                   refused=refusal, failed_action=f"extend-{stage}")
        return RedirectResponse(f"/appeals/{appeal_id}?done=extend", 303, headers=HEADERS)

    @pages.post("/appeals/{appeal_id}/applicant")
    async def applicant(appeal_id: UUID, who: Acting,
                        reason: Annotated[str, Form(max_length=500)] = "") -> HTMLResponse:
        try:
            found = await web.app.applicant(who, appeal_id, reason)
        except Refused as refusal:
            return web.render("applicant.html", 200, error=str(refusal))
        return web.render("applicant.html", applicant=found["applicant"])
