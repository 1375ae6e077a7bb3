"""The same-day rule in the browser: an executor who got the appeal two days ago may not
return it as misdirected; the console shows routing's Russian refusal and nothing changes.

The assignment two days ago is made before the services start, by routing itself on a
clock set back, in the store the routing process then opens (as a restart would find it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from tests.browser.conftest import SHOTS, running_system
from tests.browser.test_console_workflow import act, open_appeal, sign_in, status

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.browser]


def assigned_two_days_ago(data: Path) -> UUID:
    from kit.clock import FixedClock
    from kit.privacy import redactor
    from kit.settings import Settings
    from kit.stores import store_environment
    from services.intake.application import IntakeApplication
    from services.intake.domain.commands import RegisterAppeal
    from services.routing.application import RoutingApplication
    from services.routing.bootstrap import autorules
    from tests.support.intake import route_registrations, shipped_classifier
    from tests.unit.test_tenancy import deployment

    then = FixedClock(datetime.now(UTC) - timedelta(days=2))
    d = deployment()
    intake = IntakeApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=then,
                               redactor=redactor(), classifier=shipped_classifier(),
                               deployment=d)
    routing = RoutingApplication(
        env=store_environment("routing", Settings(data_dir=data, _env_file=None)),
        deployment=d, rules=autorules(d)[0], clock=then)
    appeal = intake.register(RegisterAppeal(
        channel="web", external_id="LATE-1", municipality="konstantinovsky",
        topic="Ямы и выбоины на дорогах", text="Яма на дороге у школы, ул. Мира, 3")).appeal_id
    route_registrations(intake, routing)
    routing.command("assign", appeal, d.people["u-adm-gkh-coord"],
                    executor_id="u-adm-gkh-exec1")
    routing.close()
    return appeal


@pytest.fixture(scope="module")
def late(kafka_bootstrap: str, tmp_path_factory):
    data = tmp_path_factory.mktemp("late-return")
    appeal = assigned_two_days_ago(data)
    with running_system(kafka_bootstrap, data) as urls:
        yield urls, str(appeal)


def test_a_late_return_is_refused_with_routings_reason(late, browser):
    urls, appeal = late
    executor = sign_in(browser, urls["console"], "u-adm-gkh-exec1")
    executor.wait_for_selector(f"tr[data-appeal='{appeal}']")  # mine, from the store
    open_appeal(executor, urls["console"], appeal)
    assert status(executor) == "назначено исполнителю"
    act(executor, "return_executor", reason="Не наш участок дороги",
        suggested_recipient_id="adm-arch")
    alert = executor.inner_text("[role=alert]")
    assert "только в день назначения" in alert, alert
    assert status(executor) == "назначено исполнителю"  # refused: nothing changed
    assert executor.locator("form[data-action=return_executor] [name=reason]").input_value() \
        == "Не наш участок дороги"  # what was typed is kept
    executor.screenshot(path=str(SHOTS / "late-return.png"), full_page=True)
