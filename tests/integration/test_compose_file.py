"""docker-compose.yml is valid (no Docker engine here: `config` is all that can run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    assert legacy, "install docker-compose (Debian package) or the docker compose plugin"
    return [legacy]


REQUIRED = {"POSTGRES_PASSWORD": "secret", "CLICKHOUSE_PASSWORD": "secret",
            "MCU_DIRECTORY_FILE": "./directory.yaml", "MCU_INTAKE_API_KEYS": "web=k",
            "MCU_VAULT_SECRET": "s" * 32, "MCU_VAULT_KEK": "k" * 43,
            "MCU_AUDIT_KEY_FILE": "./audit-signing-key.pem"}


def test_compose_file_is_valid_and_runs_every_part():
    env = {**os.environ, **REQUIRED}
    result = subprocess.run([*_compose(), "-f", str(ROOT / "docker-compose.yml"), "config",
                             "--services"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"kafka", "postgres", "clickhouse", "intake",
                                          "routing", "sla", "analytics", "audit",
                                          "console"}


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_start_without_each_secret_and_the_directory(missing):
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    env |= {k: v for k, v in REQUIRED.items() if k != missing}
    result = subprocess.run([*_compose(), "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode != 0
    assert missing in result.stderr
