"""The whole system as processes (intake, routing, SLA, analytics, audit, the console) on
the real log, and Debian's Chromium driven by Playwright: what a person sees and does in
the console."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.support.processes import service

CHROMIUM = os.environ.get("MCU_CHROMIUM", "/usr/bin/chromium")
# as root, headless, with nothing reaching out to the closed network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# where the tests leave their screenshots (to look at what a person saw); docs/img/console
# holds the ones of a demo run shown in the README
SHOTS = Path(os.environ.get("MCU_SCREENSHOTS", "/tmp/mcu-console-screenshots"))
SHOTS.mkdir(parents=True, exist_ok=True)


@contextmanager
def running_system(kafka_bootstrap: str, data: Path, settings: dict[str, str | None] | None = None
                   ) -> Iterator[dict[str, str]]:
    """The services as processes over the stores in `data` (a test may fill them first);
    `settings`: more of the environment (None unsets a variable)."""
    import uuid

    env = {"MCU_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCU_DATA_DIR": str(data),
           "MCU_LOG_TOPIC": f"mcu.appeals.console-{uuid.uuid4().hex[:8]}",
           "MCU_LOG_PARTITIONS": "2", "MCU_DEMO": "true", **(settings or {})}
    with ExitStack() as stack:
        routing, _ = stack.enter_context(service("routing", env))
        env["MCU_ROUTING_URL"] = routing
        sla, _ = stack.enter_context(service("sla", env))
        intake, _ = stack.enter_context(service("intake", env))
        analytics, _ = stack.enter_context(service("analytics", env))
        audit, _ = stack.enter_context(service("audit", {**env, "MCU_SLA_URL": sla}))
        console, _ = stack.enter_context(service("console", {
            **env, "MCU_SLA_URL": sla, "MCU_INTAKE_URL": intake,
            "MCU_ANALYTICS_URL": analytics, "MCU_AUDIT_URL": audit}))
        yield {"routing": routing, "sla": sla, "intake": intake, "analytics": analytics,
               "audit": audit, "console": console}


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str, tmp_path_factory) -> Iterator[dict[str, str]]:
    with running_system(kafka_bootstrap, tmp_path_factory.mktemp("console")) as urls:
        yield urls


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium не найден ({CHROMIUM}): apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
