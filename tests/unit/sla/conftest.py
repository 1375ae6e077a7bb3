"""The SLA application on the in-memory store with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kit.clock import FixedClock
from services.sla.adapters import calendar_file, policy_file
from services.sla.application import SlaApplication
from services.sla.domain.terms import TermCalculator

MON = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # Monday 10:00 in Moscow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MON)


@pytest.fixture
def sla(clock) -> SlaApplication:
    loaded = policy_file.load()
    return SlaApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                          calculator=TermCalculator(calendar_file.shipped(), loaded.schedule),
                          policy=loaded.policy, clock=clock)
