"""Every service's OpenAPI document tells the truth: schemathesis fuzzes each running
service with each role's token and each channel's key, and every check passes (declared
statuses, content types, schemas and headers; invalid data refused, valid data accepted;
undeclared methods 405 with Allow). Bounded in examples; the exceptions and their
reasons are in schemathesis.toml beside this file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.processes import service

pytestmark = pytest.mark.e2e
CONFIG = Path(__file__).with_name("schemathesis.toml")
CREDENTIALS = {
    "intake": [("X-API-Key", f"demo-{c}") for c in ("web", "pos", "email", "incident",
                                                     "open311")]
    + [("Authorization", f"Bearer demo-{p}") for p in ("u-mcu-coord", "u-mcu-admin",
                                                       "u-auditor")],
    "routing": [("Authorization", f"Bearer demo-{p}") for p in (
        "u-mcu-coord", "u-adm-gkh-exec1", "u-adm-gkh-head", "u-head", "u-pos-channel",
        "u-auditor")],
    "sla": [("Authorization", f"Bearer demo-{p}") for p in (
        "u-adm-gkh-head", "u-head", "u-adm-gkh-exec1")],
    "analytics": [("Authorization", f"Bearer demo-{p}") for p in (
        "u-analyst", "u-head", "u-adm-gkh-exec1")],
    "audit": [("Authorization", f"Bearer demo-{p}") for p in ("u-auditor", "u-head")],
}


@pytest.fixture(scope="module")
def running(tmp_path_factory, kafka_bootstrap) -> dict[str, str]:
    env = {"MCU_DEMO": "true", "MCU_DATA_DIR": str(tmp_path_factory.mktemp("openapi")),
           "MCU_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCU_LOG_LEVEL": "ERROR",
           "MCU_LOG_TOPIC": f"mcu.appeals.openapi-{uuid.uuid4().hex[:8]}"}
    with ExitStack() as stack:
        urls = {}
        urls["routing"], _ = stack.enter_context(service("routing", env))
        env["MCU_ROUTING_URL"] = urls["routing"]
        for name in ("intake", "sla", "analytics", "audit"):
            urls[name], _ = stack.enter_context(service(name, env))
        yield urls


def _fuzz(url: str, header: tuple[str, str]) -> tuple[int, int, str]:
    """schemathesis' exit code, the test cases it generated, and its report."""
    done = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
         f"{url}/openapi.json", "-H", f"{header[0]}: {header[1]}", "--max-examples", "8",
         "--phases", "coverage,fuzzing", "--seed", "20261201", "--no-color"],
        capture_output=True, text=True, timeout=600, env={**os.environ})
    found = re.search(r"(\d+) generated", done.stdout)
    return done.returncode, int(found.group(1)) if found else 0, done.stdout


@pytest.mark.parametrize("name", list(CREDENTIALS))
def test_every_check_passes_for_every_role_and_key(running, name):
    generated = {}
    for header in CREDENTIALS[name]:
        code, cases, report = _fuzz(running[name], header)
        assert code == 0, f"{name} with {header[1]}:\n{report[-4000:]}"
        generated[header[1]] = cases
    print(f"\n{name}: {sum(generated.values())} test cases, all checks passed: {generated}")
    assert all(cases > 50 for cases in generated.values()), generated
