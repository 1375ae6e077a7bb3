"""Outside demo mode no service starts on a credential the repository ships: each stops
with exit 2 and a Russian message naming the setting; with real ones it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kit.directory import SHIPPED_DIRECTORY
from services.intake.entrypoints.channel_keys import configured_keys
from tests.support.processes import service

REAL_KEYS = ",".join(f"{c.value}=real-key-of-{c.value}-0123456789" for c in configured_keys(""))
REAL_SECRET = "s3cr3t-for-the-vault-0123456789"
REAL_KEK = "yQ3s0q1bY5q1n9m6n2m1o0p9q8r7s6t5u4v3w2x1y0A"  # 32 bytes in base64url


def _serve(name: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", "serve", name],
                          env={**os.environ, "MCU_DEMO": "false", "MCU_DATA_DIR": str(tmp_path),
                               **env}, capture_output=True, text=True, timeout=120)


def _real_directory(tmp_path: Path) -> Path:
    data = yaml.safe_load(SHIPPED_DIRECTORY.read_text(encoding="utf-8"))
    for person in data["people"]:
        person.pop("token_sha256", None)
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["intake", "routing", "sla", "analytics"])
def test_no_service_starts_on_the_shipped_directory(tmp_path, name):
    result = _serve(name, {"MCU_INTAKE_API_KEYS": REAL_KEYS, "MCU_VAULT_SECRET": REAL_SECRET,
                           "MCU_VAULT_KEK": REAL_KEK}, tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "встроенное развёртывание — демонстрационное" in result.stderr
    assert "MCU_DEMO=true" in result.stderr
    assert not list(tmp_path.glob("*.sqlite")), "refused before any store was opened"


def test_a_copy_with_demo_tokens_is_refused_too(tmp_path):
    copy = tmp_path / "copy.yaml"
    copy.write_text(SHIPPED_DIRECTORY.read_text(encoding="utf-8"), encoding="utf-8")
    result = _serve("routing", {"MCU_ROUTING_DIRECTORY": str(copy)}, tmp_path)
    assert result.returncode == 2
    assert "демо-токены «demo-<id>»" in result.stderr and "mcu staff token" in result.stderr


@pytest.mark.parametrize("env, named", [
    ({}, "MCU_INTAKE_API_KEYS не задан"),
    ({"MCU_INTAKE_API_KEYS": "pos=demo-pos,web=" + "w" * 20}, "MCU_INTAKE_API_KEYS: ключи"
                                                            " каналов pos"),
    ({"MCU_INTAKE_API_KEYS": REAL_KEYS}, "MCU_VAULT_SECRET: секрет псевдонимов"),
    ({"MCU_INTAKE_API_KEYS": REAL_KEYS, "MCU_VAULT_SECRET": REAL_SECRET},
     "MCU_VAULT_KEK: ключ шифрования"),
    ({"MCU_INTAKE_API_KEYS": REAL_KEYS, "MCU_VAULT_SECRET": REAL_SECRET,
      "MCU_VAULT_KEK": "short-and-not-base64-32-bytes!!"}, "MCU_VAULT_KEK: ожидается 32 байта"),
])
def test_intake_refuses_demo_keys_and_missing_vault_secrets(tmp_path, env, named):
    result = _serve("intake", {"MCU_ROUTING_DIRECTORY": str(_real_directory(tmp_path)), **env},
                    tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert named in result.stderr, result.stderr[-2000:]


def test_with_real_credentials_intake_starts_and_demo_keys_open_nothing(tmp_path, kafka_bootstrap,
                                                                       log_topic):
    import httpx

    env = {"MCU_DEMO": "false", "MCU_DATA_DIR": str(tmp_path), "MCU_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "MCU_LOG_TOPIC": log_topic, "MCU_ROUTING_DIRECTORY": str(_real_directory(tmp_path)),
           "MCU_INTAKE_API_KEYS": REAL_KEYS, "MCU_VAULT_SECRET": REAL_SECRET,
           "MCU_VAULT_KEK": REAL_KEK}
    appeal = {"channel": "web", "external_id": "real-1", "text": "Яма на дороге"}
    with service("intake", env) as (url, _):
        demo = httpx.post(f"{url}/api/v1/appeals", json=appeal, headers={"X-API-Key": "demo-web"})
        real = httpx.post(f"{url}/api/v1/appeals", json=appeal,
                          headers={"X-API-Key": "real-key-of-web-0123456789"})
    assert (demo.status_code, demo.json()["code"]) == (401, "invalid_api_key")
    assert real.status_code == 201, real.text


def test_mcu_stops_on_a_wrong_setting_with_its_name_and_exit_code_2(tmp_path):
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "cli.main", "serve", "intake"],
                          env={**os.environ, "MCU_DATA_DIR": str(tmp_path),
                               "MCU_INTAKE_API_KEYS": "pos=k1,opn311=k2"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Ошибка: MCU_INTAKE_API_KEYS: неизвестный канал «opn311»" in done.stderr
    assert "Traceback" not in done.stderr
