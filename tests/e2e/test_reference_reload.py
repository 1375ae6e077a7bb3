"""A running service takes a new reference file without a restart (issue 22): `mcu staff
revoke` locks a person out of routing's process within seconds; a broken file written on
disk is refused, the service says so in its readiness and keeps what was in force."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import httpx
import pytest

from tests.support.processes import service
from tests.support.reference import editable_settings

pytestmark = pytest.mark.e2e


def eventually(check, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def routing(tmp_path, kafka_bootstrap):
    s = editable_settings(tmp_path)
    env = {"MCU_DEMO": "true", "MCU_DATA_DIR": str(s.data_dir), "MCU_LOG_LEVEL": "WARNING",
           "MCU_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCU_DEPLOYMENT": str(s.deployment),
           "MCU_ROUTING_DIRECTORY": None,
           "MCU_LOG_TOPIC": f"mcu.appeals.reload-{uuid.uuid4().hex[:8]}"}
    with service("routing", env) as (url, _):
        yield url, env, s


def test_a_revoked_token_opens_no_door_of_the_running_service(routing):
    url, env, _ = routing
    me = lambda: httpx.get(f"{url}/api/v1/me",  # noqa: E731
                           headers={"Authorization": "Bearer demo-u-mcu-coord"}).status_code
    assert me() == 200
    done = subprocess.run([sys.executable, "-m", "cli.main", "staff", "revoke", "u-mcu-coord"],
                          env={**{k: v for k, v in env.items() if v is not None},
                               **_path_env()}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    started = time.monotonic()
    assert eventually(lambda: me() == 401), "the revoked token still opens routing's doors"
    print(f"\nrevoked token refused {time.monotonic() - started:.1f} s after mcu staff revoke")


def test_a_broken_file_on_disk_is_refused_and_the_rules_in_force_stay(routing):
    url, _, s = routing
    path = s.deployment.parent / "konstantinovsky" / "autorules.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("adm-gkh", "adm-gkx"),
                    encoding="utf-8")

    def says_why() -> bool:
        ready = httpx.get(f"{url}/health/ready").json()
        return "adm-gkx" in str(ready.get("degraded", {}).get("reference", ""))

    assert eventually(says_why), httpx.get(f"{url}/health/ready").text
    rules = httpx.get(f"{url}/api/v1/autorules",
                      headers={"Authorization": "Bearer demo-u-head"}).json()
    assert {r["recipient"] for r in rules["rules"]} >= {"adm-gkh"}
    assert "adm-gkx" not in str(rules)


def _path_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")}
