"""The operator's page «Доставка ответов»: letters to print and post (the PDF, then the
posting with its tracking number), applicants to call back (the number shown on request,
the read logged; then the call's result), answers that could not be delivered (why, «send
again» once the cause is mended, or «delivered otherwise»). Intake decides whose and what.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

import asyncio
from datetime import date, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from services.console.adapters.upstream import Refused
from services.console.entrypoints.web import Pages

WHAT = ("answer", "registration", "forwarding", "extension")
What = Annotated[str, Query(max_length=20)]
LISTS = {"letters": "/api/v1/deliveries/letters", "calls": "/api/v1/deliveries/calls",
         "failed": "/api/v1/deliveries/failed"}


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    async def page(who, status: int = 200, **shown) -> HTMLResponse:
        try:
            found = await asyncio.gather(*(web.app.upstream.get("intake", path, who.token)
                                           for path in LISTS.values()))
        except Refused as refusal:
            return web.render("deliveries.html", refusal.status, who=who, refused=refusal,
                              lists={name: [] for name in LISTS}, today=_today(who))
        return web.render("deliveries.html", status, who=who, today=_today(who),
                          lists=dict(zip(LISTS, found, strict=True)),
                          **{"refused": None, "done": None, "phone": None, **shown})

    async def act(who, path: str, body: dict | None, done: str, **shown) -> HTMLResponse:
        try:
            answer = await web.app.upstream.post("intake", path, who.token, body)
        except Refused as refusal:
            return await page(who, refusal.status if refusal.status < 500 else 502,
                              refused=refusal)
        return await page(who, done=done, answer=answer, **shown)

    @pages.get("/deliveries")
    async def deliveries(who: Who) -> HTMLResponse:
        return await page(who)

    @pages.post("/deliveries/{appeal_id}/retry")
    async def send_again(appeal_id: str, who: Acting, what: What = "answer") -> HTMLResponse:
        return await act(who, f"/api/v1/deliveries/{_id(appeal_id)}/retry{_of(what)}", None,
                         "retry")

    @pages.post("/deliveries/{appeal_id}/delivered")
    async def delivered_otherwise(appeal_id: str, who: Acting, what: What = "answer",
                                  how: Annotated[str, Form(max_length=300)] = "") -> HTMLResponse:
        return await act(who, f"/api/v1/deliveries/{_id(appeal_id)}/delivered{_of(what)}",
                         {"how": how}, "delivered")

    @pages.get("/deliveries/letters/{appeal_id}.pdf")
    async def letter(appeal_id: str, who: Who, what: What = "answer") -> Response:
        try:
            answer = await web.app.upstream.call(
                "intake", "GET", f"/api/v1/deliveries/letters/{_id(appeal_id)}/pdf{_of(what)}",
                who.token, raw=True)
        except Refused as refusal:
            return await page(who, refusal.status if refusal.status < 500 else 502,
                              refused=refusal)
        return Response(answer.content, media_type="application/pdf", headers={
            "Content-Disposition": answer.headers.get("content-disposition", "inline"),
            "Cache-Control": "no-store"})

    @pages.post("/deliveries/letters/{appeal_id}/posted")
    async def posted(appeal_id: str, who: Acting, what: What = "answer",
                     tracking_number: Annotated[str, Form(max_length=40)] = "",
                     posted_on: Annotated[str, Form(max_length=10)] = "") -> HTMLResponse:
        return await act(who, f"/api/v1/deliveries/letters/{_id(appeal_id)}/posted{_of(what)}",
                         {"tracking_number": tracking_number, "posted_on": posted_on},
                         "posted")

    @pages.post("/deliveries/calls/{appeal_id}/number")
    async def number(appeal_id: str, who: Acting, what: What = "answer") -> HTMLResponse:
        try:
            found = await web.app.upstream.post(
                "intake", f"/api/v1/deliveries/calls/{_id(appeal_id)}/number{_of(what)}",
                who.token)
        except Refused as refusal:
            return await page(who, refusal.status if refusal.status < 500 else 502,
                              refused=refusal)
        return await page(who, phone={"appeal_id": str(appeal_id), "what": what,
                                      "number": found.get("phone")})

    @pages.post("/deliveries/calls/{appeal_id}/result")
    async def called(appeal_id: str, who: Acting, what: What = "answer",
                     reached: Annotated[str, Form(max_length=5)] = "",
                     result: Annotated[str, Form(max_length=300)] = "") -> HTMLResponse:
        return await act(who, f"/api/v1/deliveries/calls/{_id(appeal_id)}/result{_of(what)}",
                         {"reached": reached == "yes", "result": result},
                         "reached" if reached == "yes" else "missed")


def _of(what: str) -> str:
    """The query naming what is delivered (the answer, a notice); anything else is refused
    on the page, in Russian."""
    if what not in WHAT:
        raise Refused(404, "appeal_not_found", "Не найдено",
                      "Такого письма или звонка нет в списке: обновите страницу")
    return "" if what == "answer" else f"?what={what}"


def _today(who) -> date:
    """The operator's today, in their municipality's time zone (the posting's default day)."""
    return datetime.now(ZoneInfo(who.timezone)).date()


def _id(text: str) -> UUID:
    """The appeal of a row of the page; anything else is refused on the page, in Russian."""
    try:
        return UUID(text)
    except ValueError:
        raise Refused(404, "appeal_not_found", "Обращение не найдено",
                      "Такого обращения нет в списке: обновите страницу") from None
