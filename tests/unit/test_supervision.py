"""Retrying background work (pure, no broker): a fault is waited out with a growing pause,
reported while it lasts, cleared at the next success; a fatal error is not retried."""

from __future__ import annotations

import asyncio

import pytest

from kit.supervision import Backoff, Health, retrying


def test_the_pause_doubles_up_to_its_cap_with_jitter():
    backoff = Backoff(first=0.5, cap=30)
    for attempt, base in ((1, 0.5), (2, 1.0), (3, 2.0), (8, 30.0), (20, 30.0)):
        assert base * 0.8 <= backoff.delay(attempt) <= base * 1.2


async def test_a_fault_is_retried_reported_and_cleared_at_the_next_success():
    health, calls = Health("test"), []

    async def flaky():
        calls.append(len(calls))
        if len(calls) < 3:
            raise ConnectionError("брокер недоступен")
        return "сделано"

    seen = []

    async def watch():
        while not seen:
            if "relay" in health.report():
                seen.append(health.report()["relay"])
            await asyncio.sleep(0.001)

    watcher = asyncio.create_task(watch())
    assert await retrying("relay", health, flaky, backoff=Backoff(0.01, 0.02)) == "сделано"
    await watcher
    assert len(calls) == 3 and seen[0]["error"].startswith("ConnectionError")
    assert health.report() == {}


async def test_stopping_ends_the_wait_and_a_fatal_error_is_raised_at_once():
    stopping = asyncio.Event()

    async def never():
        stopping.set()
        raise ConnectionError("всё ещё нет")

    assert await retrying("consumer", Health("test"), never, stopping, Backoff(5, 5)) is None

    async def refused():
        raise KeyError("настройка")

    with pytest.raises(KeyError):
        await retrying("topics", Health("test"), refused, fatal=(KeyError,))
