"""The SLA application on the in-memory store with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kit.clock import FixedClock
from services.sla.application import SlaApplication
from tests.support.sla import sla_app

MON = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # Monday 10:00 in Moscow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MON)


@pytest.fixture
def sla(clock) -> SlaApplication:
    return sla_app(clock)
