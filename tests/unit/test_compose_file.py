"""docker-compose.yml is valid (no Docker engine here: `config` is all that can run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    assert legacy, "install docker-compose (Debian package) or the docker compose plugin"
    return [legacy]


def test_compose_file_is_valid_and_runs_every_part():
    env = {**os.environ, "POSTGRES_PASSWORD": "secret", "CLICKHOUSE_PASSWORD": "secret"}
    result = subprocess.run([*_compose(), "-f", str(ROOT / "docker-compose.yml"), "config",
                             "--services"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"kafka", "postgres", "clickhouse", "intake",
                                          "routing", "sla", "analytics"}


def test_compose_refuses_to_start_without_database_passwords():
    env = {k: v for k, v in os.environ.items() if "PASSWORD" not in k}
    result = subprocess.run([*_compose(), "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode != 0
