"""An administrator changes the autorules in the browser (issue 22): the candidate is
checked and shown as a diff, written, and the routing process routes the next appeal by
it at once; no restart, no file handed to operations."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.conftest import SHOTS, running_system
from tests.browser.test_console_workflow import sign_in
from tests.support.reference import editable_settings

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.browser]

RULE = "  - id: boilers\n    keywords: [котельн]\n    recipient: adm-gkh\n"


@pytest.fixture(scope="module")
def editable(kafka_bootstrap: str, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    s = editable_settings(folder)
    env = {"MCU_DEPLOYMENT": str(s.deployment), "MCU_ROUTING_DIRECTORY": None,
           "MCU_SLA_CALENDAR_DIR": str(s.sla_calendar_dir),
           "MCU_INTAKE_RUBRICATOR": str(s.intake_rubricator)}
    with running_system(kafka_bootstrap, folder / "var", env) as urls:
        yield urls


def routed_by(routing: str, appeal: str) -> dict | None:
    history = httpx.get(f"{routing}/api/v1/appeals/{appeal}",
                        headers={"Authorization": "Bearer demo-u-head"}, timeout=10)
    if history.status_code != 200:
        return None
    return next((e["payload"] for e in history.json()["history"]
                 if e["event_type"] == "AppealRouted"), None)


def test_new_autorules_written_in_the_browser_route_the_next_appeal(editable, browser):
    console = editable["console"]
    admin = sign_in(browser, console, "u-mcu-admin")
    admin.click("text=Справочники")
    admin.screenshot(path=str(SHOTS / "reference-files.png"), full_page=True)
    admin.click("text=Автоправила — Константиновский район")
    assert "действует редакция 1" in admin.inner_text("h1")
    editor = admin.locator("#text")
    editor.fill(editor.input_value() + RULE)
    admin.click("text=Проверить и сравнить с действующей")
    assert "+  - id: boilers" in admin.inner_text("pre.diff")
    admin.screenshot(path=str(SHOTS / "reference-diff.png"), full_page=True)
    admin.click("text=Записать эту редакцию")
    assert "Редакция 2 записана и действует" in admin.inner_text("[role=status]")
    assert "Управляющий делами (администратор МЦУ)" in admin.inner_text("table")
    admin.screenshot(path=str(SHOTS / "reference-saved.png"), full_page=True)

    created = httpx.post(f"{editable['intake']}/api/v1/appeals", headers={
        "X-API-Key": "demo-web"}, json={
        "channel": "web", "external_id": "BOILER-1", "municipality": "konstantinovsky",
        "text": "Третий день не работает котельная на ул. Садовой, в домах холодно"},
        timeout=10)
    assert created.status_code in (200, 201, 202), created.text
    appeal = created.json()["appeal_id"]
    deadline, routed = time.monotonic() + 30, None
    while routed is None and time.monotonic() < deadline:
        routed = routed_by(editable["routing"], appeal)
        time.sleep(0.3)
    assert routed is not None, "the appeal was not routed within 30 s"
    assert (routed["rule_id"], routed["rule_version"], routed["recipient_id"]) == (
        "boilers", 2, "adm-gkh")
