"""«Проверка по журналу» in the browser: an auditor opens an appeal's card, follows the
link to its history read from the log, sees every event proven (✓) with names and local
times, the autorules decision re-checked by routing, the state at an earlier moment, and
takes the dossier as PDF; a coordinator sees no such link and is refused the page."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.conftest import SHOTS, running_system
from tests.browser.test_console_workflow import open_appeal, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.browser]


@pytest.fixture(scope="module")
def audited(kafka_bootstrap: str, tmp_path_factory):
    with running_system(kafka_bootstrap, tmp_path_factory.mktemp("audit-page"), {
            "MCU_AUDIT_CHECKPOINT_EVERY": "2", "MCU_AUDIT_CHECKPOINT_SECONDS": "1"}) as urls:
        answer = httpx.post(f"{urls['intake']}/api/v1/appeals", headers={
            "X-API-Key": "demo-web"}, json={
            "channel": "web", "external_id": "AUD-1", "text": "Не горят фонари на ул. Мира",
            "territory": "г. Константиновск"})
        assert answer.status_code == 201, answer.text
        appeal = answer.json()["appeal_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = httpx.get(f"{urls['audit']}/api/v1/appeals/{appeal}/audit",
                             headers={"Authorization": "Bearer demo-u-auditor"})
            if seen.status_code == 200 and seen.json()["verified"] and \
                    len(seen.json()["events"]) >= 3:
                break
            time.sleep(0.5)
        yield urls, appeal


def test_an_auditor_checks_an_appeal_against_the_log(audited, browser):
    urls, appeal = audited
    page = sign_in(browser, urls["console"], "u-auditor")
    open_appeal(page, urls["console"], appeal)
    page.click("text=Проверка по журналу")
    page.wait_for_selector("table.audit-timeline")
    marks = page.locator("table.audit-timeline td.mark").all_inner_texts()
    assert marks and set(marks) == {"✓"}, marks
    text = page.inner_text("main")
    assert "Обращение зарегистрировано" in text and "Направлено получателю" in text
    assert "пересчёт: то же решение" in text  # routing recomputed its autorules decision
    assert "система (routing/autorules)" in text
    assert "ещё не зарегистрировано" not in text
    page.screenshot(path=str(SHOTS / "audit-page.png"), full_page=True)
    page.fill("input[name=at]", "2020-01-01T00:00")
    page.click("form.audit-at button[type=submit]")
    page.wait_for_selector("table.audit-state")
    assert "ещё не зарегистрировано" in page.inner_text("table.audit-state")
    pdf = page.request.get(f"{urls['console']}/appeals/{appeal}/audit.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")


def test_a_coordinator_has_no_audit_link_and_is_refused_the_page(audited, browser):
    urls, appeal = audited
    page = sign_in(browser, urls["console"], "u-mcu-coord")
    open_appeal(page, urls["console"], appeal)
    assert page.locator("text=Проверка по журналу").count() == 0
    answer = page.goto(f"{urls['console']}/appeals/{appeal}/audit")
    assert answer.status == 403
