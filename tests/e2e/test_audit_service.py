"""The audit service as a process (issue 24): it watches the log beside intake, publishes
signed checkpoints at its public door, and `mcu audit verify` finds the log whole; the
checkpoint's text verifies with the published key alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from services.audit.domain.checkpoint import Checkpoint, key_id
from tests.support.processes import service

pytestmark = pytest.mark.e2e
APPEAL = {"channel": "web", "text": "Не горят фонари на ул. Мира", "territory": "г. Константиновск"}


def test_the_audit_service_signs_the_log_and_verify_finds_it_whole(env):
    env = {**env, "MCU_AUDIT_CHECKPOINT_EVERY": "5", "MCU_AUDIT_CHECKPOINT_SECONDS": "1"}
    with service("intake", env) as (intake, _), service("audit", env) as (audit, _):
        for i in range(12):
            answer = httpx.post(f"{intake}/api/v1/appeals", json=APPEAL | {"external_id": f"A-{i}"},
                                headers={"X-API-Key": "demo-web"})
            assert answer.status_code == 201
        appeal = answer.json()["appeal_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            published = httpx.get(f"{audit}/api/v1/audit/checkpoints").json()
            if sum(c["size"] for c in published) >= 12:
                break
            time.sleep(0.5)
        assert sum(c["size"] for c in published) == 12
        pems = httpx.get(f"{audit}/api/v1/audit/keys").text
    keys = {key_id(k): k for k in (load_pem_public_key(("-----BEGIN" + part).encode())
                                   for part in pems.split("-----BEGIN")[1:])}
    assert all(Checkpoint.parse(c["text"]).verified_by(keys) for c in published)
    done = subprocess.run([sys.executable, "-m", "cli.main", "audit", "verify"],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "записей в журнале: 12; под подписанными контрольными точками: 12" in done.stdout
    assert "журнал сходится" in done.stdout
    replayed = subprocess.run([sys.executable, "-m", "cli.main", "audit", "replay", appeal],
                              env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=120)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "✓" in replayed.stdout and "Обращение зарегистрировано" in replayed.stdout
    assert "все события подлинны" in replayed.stdout
