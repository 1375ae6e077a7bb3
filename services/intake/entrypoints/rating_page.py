"""The applicant's page to rate an answer (the personal link in the answer's e-mail or
letter): public, no sign-in, Russian, usable without script and with a screen reader.
A page for people, not an API: it is left out of the OpenAPI document.
"""

from __future__ import annotations

import asyncio
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.intake.application import IntakeApplication
from services.intake.domain.rating_link import LinkRefused

MAX_COMMENT = 2000
SCORES = {5: "5 — отлично, вопрос решён", 4: "4 — хорошо", 3: "3 — удовлетворительно",
          2: "2 — плохо", 1: "1 — вопрос не решён"}
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "form-action 'self'; frame-ancestors 'none'",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store",
           "Referrer-Policy": "no-referrer"}  # the link is the applicant's key: never leaked
STYLE = ("body{font:17px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
         "padding:0 1rem;color:#1b1f24}fieldset{border:1px solid #c5ccd6;padding:1rem}"
         "label{display:block;margin:.4rem 0}textarea{width:100%;font:inherit}"
         "button{font:inherit;padding:.5rem 1.2rem;margin-top:1rem}"
         ".error{color:#7d1a14}:focus{outline:3px solid #1f5fbf;outline-offset:2px}")


def router(app: IntakeApplication) -> APIRouter:
    api = APIRouter(include_in_schema=False)

    @api.get("/rate/{token}")
    async def rating_form(token: str) -> HTMLResponse:
        try:
            appeal, _ = await asyncio.to_thread(app.rating_target, token)
        except LinkRefused as refused:
            return page("Оценка ответа", f"<p>{escape(refused.text)}</p>", refused.status)
        return page("Оцените ответ на ваше обращение", form(token, appeal_name(app, appeal)))

    @api.post("/rate/{token}")
    async def rating_sent(token: str, request: Request) -> HTMLResponse:
        data = await request.form()
        score, comment = str(data.get("score", "")), str(data.get("comment", ""))
        if score not in {str(s) for s in SCORES} or len(comment) > MAX_COMMENT:
            problem = ("Выберите оценку от 1 до 5." if score not in {str(s) for s in SCORES}
                       else f"Комментарий длиннее {MAX_COMMENT} знаков: сократите его.")
            try:
                appeal, _ = await asyncio.to_thread(app.rating_target, token)
            except LinkRefused as refused:
                return page("Оценка ответа", f"<p>{escape(refused.text)}</p>", refused.status)
            return page("Оцените ответ на ваше обращение",
                        form(token, appeal_name(app, appeal), comment, problem), 422)
        try:
            await asyncio.to_thread(app.rate_by_link, token, int(score), comment)
        except LinkRefused as refused:
            return page("Оценка ответа", f"<p>{escape(refused.text)}</p>", refused.status)
        after = ("Спасибо! Оценка учтена." if int(score) >= 4 else
                 "Спасибо! Оценка учтена: обращение возвращено в работу, ответственные "
                 "получат его снова.")
        return page("Оценка получена", f"<p role='status'>{after}</p>")

    return api


def appeal_name(app: IntakeApplication, appeal) -> str:
    """«ваше обращение в Константиновский район от 16.11.2026»: no personal data."""
    municipality = app.deployment.municipality(appeal.municipality).name
    received = appeal.registered.received_at if appeal.registered else None
    return f"в {municipality}" + (f" от {received:%d.%m.%Y}" if received else "")


def form(token: str, about: str, comment: str = "", problem: str = "") -> str:
    choices = "".join(
        f'<label><input type="radio" name="score" value="{s}" required> {escape(text)}</label>'
        for s, text in SCORES.items())
    error = f'<p class="error" role="alert" id="problem">{escape(problem)}</p>' if problem else ""
    return (f"<p>Ответ на ваше обращение {escape(about)} отправлен вам. Насколько он решает "
            f"ваш вопрос?</p>{error}"
            f'<form method="post" action="/rate/{escape(token)}">'
            f"<fieldset><legend>Оценка</legend>{choices}</fieldset>"
            f'<label for="comment">Комментарий (необязательно)</label>'
            f'<textarea id="comment" name="comment" rows="5" maxlength="{MAX_COMMENT}">'
            f"{escape(comment)}</textarea>"
            f'<button type="submit">Отправить оценку</button></form>'
            "<p><small>Оценку можно отправить один раз. Данные о вас на этой странице не "
            "запрашиваются.</small></p>")


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} — МЦУ</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>",
        status, headers=HEADERS)
