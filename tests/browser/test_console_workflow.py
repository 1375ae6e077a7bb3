"""Seed 000's workflow by four people in turn, in the console in a real browser: the
coordinator assigns, the executor returns it the same day, the coordinator reassigns, the
executor drafts, the approver returns it for rework with criteria, the executor redrafts,
the approver approves and publishes, the applicant's low rating reopens it. And what
must not happen: an executor of another organisation does not see the appeal."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.browser.conftest import SHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.browser]

TEXT = "На ул. Ленина у дома 5 глубокие ямы на дороге, машины объезжают по тротуару"


def sign_in(browser, console: str, person: str):
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    page.goto(f"{console}/login")
    page.fill("#person_id", person)
    page.fill("#token", f"demo-{person}")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue.*"))
    return page


def act(page, action: str, **fields) -> None:
    """Open an action of the card, fill its form and send it; the card comes back."""
    page.locator(f"#action-{action}").evaluate("details => { details.open = true; }")
    form = page.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if isinstance(value, list):
            for v in value:
                form.locator(f"input[name={name}][value={v}]").check()
        elif field.first.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def open_appeal(page, console: str, appeal: str) -> None:
    page.goto(f"{console}/appeals/{appeal}")
    page.wait_for_load_state("networkidle")


def status(page) -> str:
    if not page.locator(".status strong").count():
        page.screenshot(path="/tmp/failed.png", full_page=True)
    return page.locator(".status strong").inner_text(timeout=5000)


def test_seed_000_workflow_by_four_people(system, browser):
    console = system["console"]
    coordinator = sign_in(browser, console, "u-adm-gkh-coord")
    assert coordinator.locator("[data-total]").inner_text() == "0"

    # the live update: the row appears in the open queue without reloading
    created = httpx.post(f"{system['intake']}/api/v1/channels/pos/messages", headers={
        "X-API-Key": "demo-pos"}, json={
        "id": "POS-CONSOLE-1", "category": "Ямы и выбоины на дорогах", "text": TEXT,
        "address": "ул. Ленина, 5", "organization_id": "1026101146446",  # Константиновский
        "created_at": "2026-12-02T09:00:00+03:00",
        "author": {"esia_id": "1000000001", "last_name": "Петров", "first_name": "Пётр",
                   "email": "petrov@example.ru"}},
        timeout=10)
    assert created.status_code == 201, created.text
    appeal = created.json()["appeal_id"]
    started = time.monotonic()
    coordinator.wait_for_selector(f"tr[data-appeal='{appeal}']", timeout=15_000)
    live_delay = time.monotonic() - started
    print(f"\nlive update: the row in the open queue {live_delay:.2f} s after the POST")
    coordinator.screenshot(path=str(SHOTS / "queue.png"))

    coordinator.click(f"tr[data-appeal='{appeal}'] a.appeal-link")
    coordinator.wait_for_load_state("networkidle")
    assert "Отдел коммунального и дорожного хозяйства" in coordinator.inner_text(".card-main")
    coordinator.screenshot(path=str(SHOTS / "card.png"), full_page=True)
    act(coordinator, "assign", executor_id="u-adm-arch-exec1")  # another department's
    assert "не исполнитель получателя" in coordinator.inner_text("[role=alert]")
    assert status(coordinator) == "направлено получателю"  # refused: nothing changed
    act(coordinator, "assign", executor_id="u-adm-gkh-exec1")
    assert status(coordinator) == "назначено исполнителю"

    executor = sign_in(browser, console, "u-adm-gkh-exec1")
    executor.wait_for_selector(f"tr[data-appeal='{appeal}']")
    open_appeal(executor, console, appeal)
    act(executor, "return_executor", reason="Дорога на ул. Ленина — региональная, не наша",
        suggested_recipient_id="adm-arch")
    assert "передано дальше" in executor.inner_text("main")  # not theirs any more

    admin = sign_in(browser, console, "u-mcu-admin")  # an answer template for the topic
    admin.goto(f"{console}/admin/templates")
    admin.fill("#templates-text", "templates:\n  - id: roads\n    title: Ямочный ремонт\n"
               "    topics: [Ямы и выбоины на дорогах]\n    approved: true\n"
               "    text: \"По обращению № {номер} от {дата}: ямочный ремонт — 10 декабря.\"\n")
    admin.click("form[action='/admin/templates'] button")
    assert "действует редакция 1" in admin.inner_text("[role=status]")

    open_appeal(coordinator, console, appeal)
    assert status(coordinator) == "возвращено"
    assert "Возвращено" in coordinator.inner_text(".timeline")
    act(coordinator, "assign", executor_id="u-adm-gkh-exec1")

    open_appeal(executor, console, appeal)
    executor.locator("#action-draft").evaluate("details => { details.open = true; }")
    executor.select_option("#template-choice", "roads")  # fills the text, placeholders filled
    assert executor.input_value("#draft-text").startswith("По обращению № POS-CONSOLE-1 от ")
    executor.screenshot(path=str(SHOTS / "draft.png"), full_page=True)
    executor.locator("form[data-action=draft] button[type=submit]").click()
    executor.wait_for_load_state("networkidle")
    act(executor, "send_for_approval")
    assert status(executor) == "на согласовании"

    approver = sign_in(browser, console, "u-adm-gkh-head")
    open_appeal(approver, console, appeal)
    act(approver, "return_for_rework", criteria=["no_evidence"],
        comment="Приложите план-график работ")
    assert status(approver) == "на доработке"
    assert "нет подтверждений (акты, фото)" in approver.inner_text(".timeline")

    open_appeal(executor, console, appeal)
    act(executor, "draft", text="Ямочный ремонт ул. Ленина — 10 декабря, план-график приложен.")
    act(executor, "send_for_approval")
    open_appeal(approver, console, appeal)
    act(approver, "approve")
    act(approver, "publish")
    assert status(approver) == "ответ направлен"

    # the applicant's low rating comes through the ПОС integration and reopens it
    rated = httpx.post(f"{system['routing']}/api/v1/appeals/{appeal}/rating",
                       headers={"Authorization": "Bearer demo-u-pos-channel"},
                       json={"score": 2, "comment": "Ямы остались"})
    assert rated.status_code == 200, rated.text
    open_appeal(coordinator, console, appeal)
    assert status(coordinator) == "переоткрыто"
    steps = coordinator.locator(".timeline > li").count()
    assert steps >= 12, steps

    # an executor of another organisation: the appeal is as missing
    stranger = sign_in(browser, console, "u-adm-arch-exec1")
    answer = stranger.goto(f"{console}/appeals/{appeal}")
    assert answer.status == 404 and "Обращение не найдено" in stranger.inner_text("main")
    assert live_delay < 5, live_delay


def test_the_dashboard_draws_its_charts_and_the_analyst_queries(system, browser):
    console = system["console"]
    head = sign_in(browser, console, "u-head")
    deadline = time.monotonic() + 60
    while True:  # analytics has the workflow's events once they reached it from the log
        head.goto(f"{console}/dashboard")
        if head.locator("[data-chart] svg").count() >= 4 or time.monotonic() > deadline:
            break
        time.sleep(2)
    head.wait_for_selector("[data-chart] svg")
    assert head.locator("[data-chart] svg").count() >= 4  # four dimensions and the heat map
    assert "Отдел коммунального и дорожного хозяйства" in head.inner_text(".rating")
    head.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    pdf = head.request.get(f"{console}/dashboard/memo?week="
                           + head.locator(".weeks a.button").get_attribute("href").split("=")[1]
                           .split("&")[0])
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"

    analyst = sign_in(browser, console, "u-analyst")
    analyst.goto(f"{console}/analyst")
    analyst.fill("#sql", "SELECT event_type, count() AS n FROM events GROUP BY event_type"
                         " ORDER BY n DESC")
    analyst.click("form[action='/analyst'] button:not([name])")
    analyst.wait_for_load_state("networkidle")
    assert "AppealRegistered" in analyst.inner_text(".sql-result")
    analyst.screenshot(path=str(SHOTS / "analyst.png"))
    analyst.fill("#sql", "DROP TABLE events")
    analyst.click("form[action='/analyst'] button:not([name])")
    analyst.wait_for_load_state("networkidle")
    assert "Запрос отклонён" in analyst.inner_text("[role=alert]")


def test_the_autorule_dry_run_in_the_browser(system, browser):
    head = sign_in(browser, system["console"], "u-head")
    head.goto(f"{system['console']}/admin/autorules")
    assert "id: roads" in head.input_value("#rules")
    head.fill("#rules", "rules:\n  - id: roads-to-arch\n    topics: [Ямы и выбоины на дорогах]\n"
                        "    recipient: adm-arch\n")
    head.click("form[action='/admin/autorules'] button")
    head.wait_for_load_state("networkidle")
    moved = int(head.locator("[data-moved]").get_attribute("data-moved"))
    assert moved >= 1  # the workflow test's appeal about potholes went to adm-gkh
    assert "Отдел архитектуры и градостроительства" in head.inner_text("table")
    head.screenshot(path=str(SHOTS / "autorules.png"), full_page=True)
