"""The operator's page of answers that could not be delivered: why, since when, and «send
again» once the cause is mended (intake decides whose and what).
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from services.console.adapters.upstream import Refused
from services.console.entrypoints.web import Pages


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    async def page(who, status: int = 200, **shown) -> HTMLResponse:
        try:
            items = await web.app.upstream.get("intake", "/api/v1/deliveries/failed", who.token)
        except Refused as refusal:
            return web.render("deliveries.html", refusal.status, who=who, items=[],
                              refused=refusal)
        return web.render("deliveries.html", status, who=who, items=items,
                          **{"refused": None, "sent": None, **shown})

    @pages.get("/deliveries")
    async def failed_deliveries(who: Who) -> HTMLResponse:
        return await page(who)

    @pages.post("/deliveries/{appeal_id}/retry")
    async def send_again(appeal_id: str, who: Acting) -> HTMLResponse:
        try:
            await web.app.upstream.post("intake", f"/api/v1/deliveries/{_id(appeal_id)}/retry",
                                        who.token)
        except Refused as refusal:
            return await page(who, refusal.status if refusal.status < 500 else 502,
                              refused=refusal)
        return await page(who, sent=str(appeal_id))


def _id(text: str) -> UUID:
    """The appeal of a row of the page; anything else is refused on the page, in Russian."""
    try:
        return UUID(text)
    except ValueError:
        raise Refused(404, "appeal_not_found", "Обращение не найдено",
                      "Такого обращения нет в очереди: обновите страницу") from None
