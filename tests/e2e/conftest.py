"""The environment of a service process under test: its own data directory and log topic."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest


@pytest.fixture
def env(kafka_bootstrap: str, tmp_path: Path) -> dict[str, str]:
    return {"MCU_KAFKA_BOOTSTRAP": kafka_bootstrap, "MCU_DATA_DIR": str(tmp_path),
            "MCU_LOG_TOPIC": f"mcu.appeals.e2e-{uuid.uuid4().hex[:8]}", "MCU_LOG_PARTITIONS": "2"}
