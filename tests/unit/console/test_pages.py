"""The console's pages without a browser: sign-in, sessions and their expiry, CSRF on every
form, escaping of what citizens and staff write, and the answer for an appeal out of reach.
The services behind it are the real ones, in-process (routing, SLA, intake's vault door)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from services.console.adapters.upstream import Refused, Upstream
from services.intake.domain.commands import RegisterAppeal
from tests.support.console import console_client, csrf_of, sign_in
from tests.support.doors import follow_deadlines, set_deadlines
from tests.support.intake import route_registrations
from tests.unit.test_tenancy import world

HOSTILE = "Яма <script>alert('x')</script> у дома & «кавычки»"


@pytest.fixture
def console():
    intake, routing, sla = world()
    appeal = intake.register(RegisterAppeal(
        channel="web", external_id="C-1", kind="official", municipality="konstantinovsky",
        topic="Ямы и выбоины на дорогах", text=HOSTILE, subject=HOSTILE)).appeal_id
    route_registrations(intake, routing)
    set_deadlines(intake, sla)
    follow_deadlines(sla, routing)
    client, app = console_client(routing, sla)
    with client:
        yield client, appeal, routing, app


def test_a_page_without_a_session_sends_to_sign_in(console):
    client, *_ = console
    answer = client.get("/queue", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.get("/live").status_code == 401


def test_sign_in_sets_an_httponly_strict_cookie_and_a_wrong_key_is_one_answer(console):
    client, *_ = console
    wrong = sign_in(client, "u-adm-gkh-coord", "demo-u-head")  # someone else's key
    unknown = sign_in(client, "nobody", "nothing")
    assert wrong.status_code == unknown.status_code == 401
    assert "Неверный идентификатор сотрудника или ключ доступа" in wrong.text
    assert "Неверный идентификатор сотрудника или ключ доступа" in unknown.text
    good = sign_in(client, "u-adm-gkh-coord")
    assert good.status_code == 303
    cookie = good.headers["set-cookie"]
    assert "mcu_console=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "demo-u-adm-gkh-coord" not in cookie  # the token stays on the server


def test_sign_in_without_its_form_token_is_refused(console):
    client, *_ = console
    answer = client.post("/login", data={"person_id": "u-head", "token": "demo-u-head",
                                         "csrf": "forged"}, follow_redirects=False)
    assert answer.status_code == 403 and "mcu_console=" not in answer.headers.get(
        "set-cookie", "")


def test_every_form_needs_the_sessions_csrf_token_and_a_forged_one_changes_nothing(console):
    client, appeal, routing, _ = console
    sign_in(client, "u-adm-gkh-coord")
    before = routing.workflow(appeal).version
    forged = client.post(f"/appeals/{appeal}/actions/assign",
                         data={"executor_id": "u-adm-gkh-exec1", "csrf": "forged"})
    assert forged.status_code == 403 and "Форма устарела" in forged.text
    assert routing.workflow(appeal).version == before
    card = client.get(f"/appeals/{appeal}")
    done = client.post(f"/appeals/{appeal}/actions/assign", follow_redirects=False,
                       data={"executor_id": "u-adm-gkh-exec1", "csrf": csrf_of(card.text)})
    assert done.status_code == 303 and routing.workflow(appeal).executor_id == "u-adm-gkh-exec1"


def test_a_refused_action_shows_routings_russian_problem_and_keeps_the_form(console):
    client, appeal, routing, _ = console
    sign_in(client, "u-adm-gkh-coord")
    card = client.get(f"/appeals/{appeal}")
    refused = client.post(f"/appeals/{appeal}/actions/assign", data={
        "executor_id": "u-adm-arch-exec1", "csrf": csrf_of(card.text)})  # not theirs
    assert refused.status_code == 422
    assert "не исполнитель получателя" in refused.text
    assert 'value="u-adm-arch-exec1" selected' in refused.text


def test_what_citizens_write_is_escaped_on_every_page(console):
    client, appeal, *_ = console
    sign_in(client, "u-adm-gkh-coord")
    for page in (client.get("/queue"), client.get(f"/appeals/{appeal}")):
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert page.headers["x-frame-options"] == "DENY"


def test_an_idle_session_ends_and_sign_out_ends_it_at_once(console):
    client, appeal, _, app = console
    sign_in(client, "u-adm-gkh-coord")
    sessions = app.sessions
    (session,) = sessions._sessions.values()
    session.last_seen -= timedelta(minutes=31)
    answer = client.get("/queue", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?expired=1"
    sign_in(client, "u-adm-gkh-coord")
    page = client.get("/queue")
    out = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and len(sessions) == 0
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_an_appeal_out_of_reach_is_as_missing_and_offers_no_action(console):
    client, appeal, *_ = console
    sign_in(client, "u-adm-arch-exec1")  # another organisation's executor
    page = client.get(f"/appeals/{appeal}")
    assert page.status_code == 404 and "Обращение не найдено" in page.text
    assert "data-action" not in page.text
    sign_in(client, "gr-head")  # another municipality's MCU head
    assert client.get(f"/appeals/{appeal}").status_code == 404


def test_only_the_actions_possible_now_are_offered(console):
    client, appeal, *_ = console
    sign_in(client, "u-adm-gkh-coord")
    offered = set(re.findall(r'data-action="([a-z_]+)"', client.get(f"/appeals/{appeal}").text))
    assert {"assign", "reroute", "dispute"} <= offered
    assert not offered & {"approve", "publish", "draft", "rate", "resolve_dispute"}


def test_the_queue_counts_filters_and_searches(console):
    client, appeal, *_ = console
    sign_in(client, "u-adm-gkh-coord")
    page = client.get("/queue")
    assert "Новые и нераспределённые" in page.text and f'data-appeal="{appeal}"' in page.text
    assert f'data-appeal="{appeal}"' in client.get("/queue?q=кавычки").text
    assert f'data-appeal="{appeal}"' not in client.get("/queue?q=фонарь").text
    assert f'data-appeal="{appeal}"' not in client.get("/queue?channel=pos").text
    assert 'data-total="1"' in client.get("/queue?sort=due&deadline=in_time").text


def test_a_service_down_is_said_in_russian():
    import asyncio

    upstream = Upstream({"routing": "http://127.0.0.1:9"}, timeout=1)
    with pytest.raises(Refused) as refused:
        asyncio.run(upstream.get("routing", "/api/v1/me", "t"))
    assert refused.value.status == 503 and "не ответил" in refused.value.detail


def test_bulk_assignment_assigns_each_selected_and_reports_each_refusal(console):
    client, appeal, routing, _ = console
    sign_in(client, "u-adm-gkh-coord")
    page = client.get("/queue")
    assert 'form="bulk" name="appeal"' in page.text
    unknown = "00000000-0000-0000-0000-000000000001"
    answer = client.post("/queue/assignments", data={
        "csrf": csrf_of(page.text), "executor_id": "u-adm-gkh-exec1",
        "appeal": [str(appeal), unknown]})
    assert answer.status_code == 200
    assert "Назначено: 1." in answer.text and "Не выполнено: 1" in answer.text
    assert routing.workflow(appeal).executor_id == "u-adm-gkh-exec1"
    forged = client.post("/queue/assignments", data={"csrf": "x", "appeal": [str(appeal)],
                                                     "executor_id": "u-adm-gkh-exec2"})
    assert forged.status_code == 403 and routing.workflow(appeal).executor_id == "u-adm-gkh-exec1"


def test_the_autorule_dry_run_shows_where_appeals_would_have_gone(console):
    client, appeal, *_ = console
    sign_in(client, "u-head")
    page = client.get("/admin/autorules")
    assert page.status_code == 200 and "id: roads" in page.text
    rules = "rules:\n  - id: roads-to-arch\n    topics: [Ямы и выбоины на дорогах]\n    recipient: adm-arch\n"
    answer = client.post("/admin/autorules", data={"csrf": csrf_of(page.text), "rules": rules,
                                                   "days": "30"})
    assert answer.status_code == 200 and 'data-moved="1"' in answer.text
    assert "Отдел архитектуры и градостроительства" in answer.text and "было верно" in answer.text
    broken = client.post("/admin/autorules", data={"csrf": csrf_of(page.text), "days": "30",
                                                   "rules": "rules: [{id: x, recipient: nowhere}]"})
    assert broken.status_code == 422 and "неизвестный получатель nowhere" in broken.text


TEMPLATES = """templates:
  - id: roads
    title: Ямочный ремонт
    topics: [Ямы и выбоины на дорогах]
    approved: true
    text: "По обращению № {номер} от {дата}: ремонт запланирован."
"""


def test_the_administrator_keeps_templates_and_a_typo_is_refused(console):
    client, *_ = console
    sign_in(client, "u-mcu-admin")
    page = client.get("/admin/templates")
    assert page.status_code == 200 and "{номер}" in page.text
    saved = client.post("/admin/templates", data={"csrf": csrf_of(page.text), "text": TEMPLATES})
    assert saved.status_code == 200 and "действует редакция 1" in saved.text
    typo = client.post("/admin/templates", data={"csrf": csrf_of(page.text),
                                                 "text": TEMPLATES.replace("{дата}", "{дат}")})
    assert typo.status_code == 422 and "неизвестные подстановки {дат}" in typo.text


def test_a_template_fills_the_draft_and_bulk_answering_sends_each_for_approval(console):
    client, appeal, routing, _ = console
    sign_in(client, "u-mcu-admin")
    page = client.get("/admin/templates")
    client.post("/admin/templates", data={"csrf": csrf_of(page.text), "text": TEMPLATES})
    sign_in(client, "u-adm-gkh-coord")
    card = client.get(f"/appeals/{appeal}")
    client.post(f"/appeals/{appeal}/actions/assign",
                data={"executor_id": "u-adm-gkh-exec1", "csrf": csrf_of(card.text)})
    sign_in(client, "u-adm-gkh-exec1")
    card = client.get(f"/appeals/{appeal}")
    assert 'data-fill="draft-text"' in card.text and "По обращению № C-1 от" in card.text
    queue = client.get("/queue")
    assert 'form="bulk-answer"' in queue.text
    done = client.post("/queue/answers", data={"csrf": csrf_of(queue.text), "template": "roads",
                                               "appeal": [str(appeal)]})
    assert done.status_code == 200 and "Отправлено на согласование: 1." in done.text
    assert routing.workflow(appeal).status == "on_approval"


def test_an_oversized_templates_document_is_refused_in_russian_on_the_page(console):
    client, *_ = console
    sign_in(client, "u-mcu-admin")
    page = client.get("/admin/templates")
    huge = "templates:\n" + "".join(
        f"  - {{id: t{n}, title: Шаблон, text: \"{'текст ' * 20}\"}}\n" for n in range(600))
    answer = client.post("/admin/templates", data={"csrf": csrf_of(page.text), "text": huge})
    assert answer.status_code == 422 and "слишком много элементов" in answer.text
    assert "редакция 1" not in client.get("/admin/templates").text  # nothing saved
