"""The console's pages: server-rendered HTML (Jinja2, autoescaped), htmx for the parts
that change in place, server-sent events for live queues.

Every page but sign-in needs a session (cookie `mcu_console`: HttpOnly, SameSite=Strict,
Secure when configured); every POST carries the session's CSRF token (a form field, or
the `X-CSRF-Token` header htmx sends), and sign-in itself a double-submit token. Pages
are never cached and never framed; scripts come only from the console itself (CSP).
(No `from __future__ import annotations`: FastAPI must see the session dependencies,
built inside `router`, as objects.)
"""

import asyncio
import json
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from contracts.vocabulary import STATUS_RU, AppealStatus
from services.console.adapters.live import LiveFeed
from services.console.adapters.upstream import Refused
from services.console.application import ConsoleApplication
from services.console.domain import dashboard, display
from services.console.domain.sessions import Session

COOKIE, LOGIN_COOKIE = "mcu_console", "mcu_console_login"
BULK_LIMIT = 200  # appeals one bulk action takes
ANSWERABLE = ("assigned", "rework", "reopened")  # rows a bulk answer may take
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FILTER_NAMES = ("queue", "status", "kind", "channel", "topic", "thematic_block", "territory",
                "recipient_id", "executor_id", "repeat", "q", "sort", "deadline")
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
           "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                      "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"}


def as_csv(answer: dict) -> str:
    """A query's answer as CSV (UTF-8 with BOM, which spreadsheet programs read as such)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(answer["columns"])
    writer.writerows(answer["rows"])
    return "\ufeff" + out.getvalue()


class SignInNeeded(Exception):
    """No live session: the page sends the browser to sign in (htmx: a full redirect)."""


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(status_ru=lambda s: STATUS_RU.get(AppealStatus(s), s) if s in
                       AppealStatus._value2member_map_ else s,
                       kind_ru=display.kind_ru, channel_ru=display.channel_ru,
                       role_ru=display.role_ru, local_time=display.local_time,
                       statuses=[(s.value, STATUS_RU[s]) for s in AppealStatus])
    env.filters["role_ru"] = display.role_ru
    return env


def router(app: ConsoleApplication, live: LiveFeed, *, secure_cookie: bool,
           demo_people: list[tuple[str, str, str]] = ()) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    env = environment()

    def render(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status, headers=HEADERS)

    def session_of(request: Request) -> Session:
        session = app.sessions.find(request.cookies.get(COOKIE), app.now())
        if session is None:
            raise SignInNeeded()
        return session

    async def checked(request: Request) -> Session:
        """A POST's session, with its CSRF token checked."""
        session = session_of(request)
        offered = request.headers.get("x-csrf-token")
        if offered is None:
            offered = (await request.form()).get("csrf")
        if not session.csrf_ok(str(offered) if offered else None):
            raise Refused(403, "csrf_failed", "Форма устарела",
                          "Форма устарела или отправлена не со страницы консоли: обновите"
                          " страницу и повторите")
        return session

    Who = Annotated[Session, Depends(session_of)]
    Acting = Annotated[Session, Depends(checked)]

    # -- signing in ------------------------------------------------------------------------
    @pages.get("/login")
    async def login_page(request: Request, error: str = "") -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        page = render("login.html", error=error, csrf=token, demo_people=demo_people,
                      signed_out=request.query_params.get("out") == "1",
                      expired=request.query_params.get("expired") == "1")
        page.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookie, path="/login", max_age=1800)
        return page

    @pages.post("/login")
    async def login(request: Request, person_id: Annotated[str, Form(max_length=100)] = "",
                    token: Annotated[str, Form(max_length=500)] = "",
                    csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, csrf):
            return render("login.html", 403, error="Форма входа устарела: откройте страницу "
                          "входа заново", csrf="", demo_people=demo_people)
        if not person_id.strip() or not token.strip():
            return render("login.html", 422, error="Укажите идентификатор сотрудника и ключ "
                          "доступа", csrf=csrf, demo_people=demo_people, person_id=person_id)
        try:
            session = await app.sign_in(person_id, token)
        except Refused as refusal:
            return render("login.html", 401 if refusal.status in (401, 403) else refusal.status,
                          error=str(refusal.detail or refusal.title), csrf=csrf,
                          demo_people=demo_people, person_id=person_id)
        answer = RedirectResponse("/queue", 303, headers=HEADERS)
        answer.set_cookie(COOKIE, session.id, httponly=True, samesite="strict",
                          secure=secure_cookie, path="/")
        answer.delete_cookie(LOGIN_COOKIE, path="/login")
        return answer

    @pages.post("/logout")
    async def logout(request: Request, who: Acting) -> Response:
        app.sessions.close(who.id)
        answer = RedirectResponse("/login?out=1", 303, headers=HEADERS)
        answer.delete_cookie(COOKIE, path="/")
        return answer

    @pages.get("/")
    async def home(who: Who) -> Response:
        return RedirectResponse("/queue", 303)

    # -- queues ------------------------------------------------------------------------------
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
            found = await app.queue(who, {**chosen, "offset": (page - 1) * size, "limit": size})
        except Refused as refusal:
            found, error = None, str(refusal)
        partial = request.headers.get("hx-request") == "true" and \
            request.headers.get("hx-target") == "worklist"
        context = dict(who=who, found=found, chosen=chosen, page=page, size=size, error=error,
                       passed=request.query_params.get("passed") == "1",
                       query=lambda **change: "?" + urlencode(
                           {k: v for k, v in {**chosen, "page": page, **change}.items() if v}))
        directory = await app.directory(who.token, who.municipality) if who.municipality else {}
        context["templates"] = await app.approved_templates(who) if found and any(
            r["status"] in ANSWERABLE for r in found.rows) else []
        if partial:
            return render("queue_rows.html", directory=directory, **context)
        return render("queue.html", directory=directory, **context)

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
        refused = await app.act_on_many(who, ids, "assign", {"executor_id": [executor]})
        found = await app.queue(who, {"limit": 25})
        directory = await app.directory(who.token, who.municipality) if who.municipality else {}
        return render("queue.html", who=who, found=found, chosen={}, page=1, size=25,
                      error="", passed=False, directory=directory, bulk_done=len(ids) - len(refused),
                      bulk_refused=refused, bulk_verb="Назначено", query=lambda **change: "?",
                      templates=[])

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
        refused = await app.answer_many(who, ids, template)
        found = await app.queue(who, {"limit": 25})
        directory = await app.directory(who.token, who.municipality) if who.municipality else {}
        return render("queue.html", who=who, found=found, chosen={}, page=1, size=25,
                      error="", passed=False, directory=directory, bulk_done=len(ids) - len(refused),
                      bulk_refused=refused, bulk_verb="Отправлено на согласование",
                      query=lambda **change: "?", templates=[])

    # -- the card ------------------------------------------------------------------------------
    async def card_page(who: Session, appeal_id: UUID, status: int = 200, **extra) -> HTMLResponse:
        try:
            card = await app.card(who, appeal_id)
        except Refused as refusal:
            return render("missing.html", refusal.status if refusal.status in (403, 404) else 502,
                          who=who, error=str(refusal))
        return render("card.html", status, who=who, card=card, **extra)

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
            await app.act(who, appeal_id, action, submitted)
        except Refused as refusal:
            return await card_page(who, appeal_id, 422 if refusal.status == 422 else 409,
                                   refused=refusal, failed_action=action, submitted=submitted)
        return RedirectResponse(f"/appeals/{appeal_id}?done={action}", 303, headers=HEADERS)

    @pages.post("/appeals/{appeal_id}/deadlines/{stage}/extension")
    async def extend(appeal_id: UUID, stage: str, who: Acting,
                     term: Annotated[str, Form(max_length=10)] = "",
                     reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
        try:
            await app.extend(who, appeal_id, stage, term, reason)
        except Refused as refusal:
            return await card_page(who, appeal_id, 422 if refusal.status == 422 else 409,
                                   refused=refusal, failed_action=f"extend-{stage}")
        return RedirectResponse(f"/appeals/{appeal_id}?done=extend", 303, headers=HEADERS)

    @pages.post("/appeals/{appeal_id}/applicant")
    async def applicant(appeal_id: UUID, who: Acting,
                        reason: Annotated[str, Form(max_length=500)] = "") -> HTMLResponse:
        try:
            found = await app.applicant(who, appeal_id, reason)
        except Refused as refusal:
            return render("applicant.html", 200, error=str(refusal))
        return render("applicant.html", applicant=found["applicant"])

    # -- the MCU dashboard ---------------------------------------------------------------
    def this_week(who: Session) -> str:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        return dashboard.iso_week(datetime.now(ZoneInfo(who.timezone)).date())

    @pages.get("/dashboard")
    async def dashboard_page(who: Who, week: Annotated[str | None, Query(
            pattern=r"^(19|20)\d{2}-W(0[1-9]|[1-4]\d|5[0-3])$")] = None) -> HTMLResponse:
        week = week or this_week(who)
        board = await app.dashboard(who, week)
        return render("dashboard.html", who=who, board=board,
                      charts_json=json.dumps(board.charts, ensure_ascii=False).replace(
                          "</", "<\\/"),  # nothing in the data ends the script element
                      previous=dashboard.shifted(week, -1), following=dashboard.shifted(week, 1),
                      current=this_week(who))

    @pages.get("/dashboard/memo")
    async def memo(who: Who, week: Annotated[str, Query(
            pattern=r"^(19|20)\d{2}-W(0[1-9]|[1-4]\d|5[0-3])$")],
                   format: Annotated[str, Query(pattern="^(pdf|html)$")] = "pdf") -> Response:
        answer = await app.memo(who, week, format)
        headers = {k: v for k, v in answer.headers.items()
                   if k.lower() in ("content-type", "content-disposition")}
        return Response(answer.content, 200, headers={**headers, "Cache-Control": "no-store"})

    # -- the analyst's SQL ---------------------------------------------------------------
    EXAMPLE = ("SELECT topic, count() AS appeals\nFROM appeals\n"
               "WHERE registered_day >= today() - 7\nGROUP BY topic\nORDER BY appeals DESC")

    async def analyst_page(who: Session, text: str, status: int = 200, **extra) -> HTMLResponse:
        try:
            tables = await app.tables(who)
        except Refused as refusal:
            tables, extra["refused"] = [], extra.get("refused") or refusal
        return render("analyst.html", status, who=who, sql=text, tables=tables, **extra)

    @pages.get("/analyst")
    async def analyst(who: Who) -> HTMLResponse:
        return await analyst_page(who, EXAMPLE)

    @pages.post("/analyst")
    async def run_sql(who: Acting, sql: Annotated[str, Form(max_length=20_000)] = "",
                      download: Annotated[str, Form(max_length=5)] = "") -> Response:
        try:
            answer = await app.sql(who, sql)
        except Refused as refusal:
            return await analyst_page(who, sql, 422 if refusal.status < 500 else 502,
                                      refused=refusal)
        if download:
            return Response(as_csv(answer), media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": 'attachment; filename="mcu-query.csv"',
                "Cache-Control": "no-store"})
        return await analyst_page(who, sql, answer=answer)

    # -- the administrator's autorules ------------------------------------------------------
    @pages.get("/admin/autorules")
    async def autorules(who: Who) -> HTMLResponse:
        try:
            version, text = await app.autorules_text(who)
        except Refused as refusal:
            return render("autorules.html", refusal.status, who=who, refused=refusal,
                          rules="", version=None, days=30)
        return render("autorules.html", who=who, rules=text, version=version, days=30)

    @pages.post("/admin/autorules")
    async def try_autorules(who: Acting, rules: Annotated[str, Form(max_length=200_000)] = "",
                            days: Annotated[int, Form(ge=1, le=365)] = 30) -> HTMLResponse:
        names = await app.names(who)
        try:
            result = await app.dry_run(who, rules, days)
        except Refused as refusal:
            return render("autorules.html", 422 if refusal.status < 500 else 502, who=who,
                          refused=refusal, rules=rules, version=None, days=days)
        return render("autorules.html", who=who, rules=rules, version=None, days=days,
                      result=result, names=names)

    # -- the administrator's answer templates -----------------------------------------------
    @pages.get("/admin/templates")
    async def templates_page(who: Who) -> HTMLResponse:
        try:
            revision, text, placeholders = await app.templates_text(who)
        except Refused as refusal:
            return render("templates.html", refusal.status, who=who, refused=refusal, text="",
                          revision=None, placeholders={})
        return render("templates.html", who=who, text=text, revision=revision,
                      placeholders=placeholders, saved=False)

    @pages.post("/admin/templates")
    async def templates_save(who: Acting,
                             text: Annotated[str, Form(max_length=500_000)] = "") -> HTMLResponse:
        try:
            revision = await app.save_templates(who, text)
        except Refused as refusal:
            return render("templates.html", 422 if refusal.status < 500 else 502, who=who,
                          refused=refusal, text=text, revision=None, placeholders={})
        revision, text, placeholders = await app.templates_text(who)
        return render("templates.html", who=who, text=text, revision=revision,
                      placeholders=placeholders, saved=True)

    # -- live updates ----------------------------------------------------------------------
    @pages.get("/live")
    async def stream(request: Request, who: Who, appeal: UUID | None = None) -> Response:
        """Server-sent events: `changed` when an appeal of the person's municipality
        changes (the queue asks again); on a card, `appeal` when that one changes."""
        reach = frozenset({who.municipality} if who.municipality else ())
        listener = live.listen(reach)

        async def events():
            try:
                yield "retry: 2000\n\n"
                while not await request.is_disconnected():
                    try:
                        change = await asyncio.wait_for(listener.queue.get(), 15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if appeal is not None and change.appeal_id == str(appeal):
                        yield f"event: appeal\ndata: {json.dumps(change.event_type)}\n\n"
                    yield f"event: changed\ndata: {json.dumps(change.event_type)}\n\n"
            finally:
                live.leave(listener)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return pages
