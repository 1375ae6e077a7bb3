"""The administrator's pages: autorules with their dry run, answer templates.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from services.console.adapters.upstream import Refused
from services.console.entrypoints.web import Pages


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    @pages.get("/admin/autorules")
    async def autorules(who: Who) -> HTMLResponse:
        try:
            version, text = await web.app.autorules_text(who)
        except Refused as refusal:
            return web.render("autorules.html", refusal.status, who=who, refused=refusal,
                              rules="", version=None, days=30)
        return web.render("autorules.html", who=who, rules=text, version=version, days=30)

    @pages.post("/admin/autorules")
    async def try_autorules(who: Acting, rules: Annotated[str, Form(max_length=200_000)] = "",
                            days: Annotated[int, Form(ge=1, le=365)] = 30) -> HTMLResponse:
        names = await web.app.names(who)
        try:
            result = await web.app.dry_run(who, rules, days)
        except Refused as refusal:
            return web.render("autorules.html", 422 if refusal.status < 500 else 502, who=who,
                              refused=refusal, rules=rules, version=None, days=days)
        return web.render("autorules.html", who=who, rules=rules, version=None, days=days,
                          result=result, names=names)

    # -- the administrator's answer templates -----------------------------------------------
    @pages.get("/admin/templates")
    async def templates_page(who: Who) -> HTMLResponse:
        try:
            revision, text, placeholders = await web.app.templates_text(who)
        except Refused as refusal:
            return web.render("templates.html", refusal.status, who=who, refused=refusal, text="",
                              revision=None, placeholders={})
        return web.render("templates.html", who=who, text=text, revision=revision,
                          placeholders=placeholders, saved=False)

    @pages.post("/admin/templates")
    async def templates_save(who: Acting,
                             text: Annotated[str, Form(max_length=500_000)] = "") -> HTMLResponse:
        try:
            revision = await web.app.save_templates(who, text)
        except Refused as refusal:
            return web.render("templates.html", 422 if refusal.status < 500 else 502, who=who,
                              refused=refusal, text=text, revision=None, placeholders={})
        revision, text, placeholders = await web.app.templates_text(who)
        return web.render("templates.html", who=who, text=text, revision=revision,
                          placeholders=placeholders, saved=True)
