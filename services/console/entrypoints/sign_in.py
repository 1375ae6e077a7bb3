"""Signing in and out: the login form (with its double-submit token), the session cookie.
(No `from __future__ import annotations`: FastAPI reads the dependencies as objects.)
"""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.adapters.upstream import Refused
from services.console.entrypoints.web import COOKIE, HEADERS, LOGIN_COOKIE, Pages


def add(pages: APIRouter, web: Pages) -> None:
    Who, Acting = web.who, web.acting

    @pages.get("/login")
    async def login_page(request: Request, error: str = "") -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        page = web.render("login.html", error=error, csrf=token, demo_people=web.demo_people,
                          signed_out=request.query_params.get("out") == "1",
                          expired=request.query_params.get("expired") == "1")
        page.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=web.secure_cookie, path="/login", max_age=1800)
        return page

    @pages.post("/login")
    async def login(request: Request, person_id: Annotated[str, Form(max_length=100)] = "",
                    token: Annotated[str, Form(max_length=500)] = "",
                    csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, csrf):
            return web.render("login.html", 403, csrf="", demo_people=web.demo_people,
                              error="Форма входа устарела: откройте страницу входа заново")
        if not person_id.strip() or not token.strip():
            return web.render("login.html", 422, csrf=csrf, demo_people=web.demo_people,
                              person_id=person_id,
                              error="Укажите идентификатор сотрудника и ключ доступа")
        try:
            session = await web.app.sign_in(person_id, token)
        except Refused as refusal:
            return web.render("login.html", 401 if refusal.status in (401, 403) else refusal.status,
                              error=str(refusal.detail or refusal.title), csrf=csrf,
                              demo_people=web.demo_people, person_id=person_id)
        answer = RedirectResponse("/queue", 303, headers=HEADERS)
        answer.set_cookie(COOKIE, session.id, httponly=True, samesite="strict",
                          secure=web.secure_cookie, path="/")
        answer.delete_cookie(LOGIN_COOKIE, path="/login")
        return answer

    @pages.post("/logout")
    async def logout(request: Request, who: Acting) -> Response:
        web.app.sessions.close(who.id)
        answer = RedirectResponse("/login?out=1", 303, headers=HEADERS)
        answer.delete_cookie(COOKIE, path="/")
        return answer

    @pages.get("/")
    async def home(who: Who) -> Response:
        return RedirectResponse("/queue", 303)
