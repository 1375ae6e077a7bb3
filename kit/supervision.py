"""Background work that outlives faults: retried with backoff, its degraded state shown.

A service's relay, consumer, timers and notifier each run as long as the service does. A
fault that may pass (the broker down, a leader moved, the store locked, the mail server
away) must neither end that work silently nor be retried in a tight loop: `retrying`
waits longer after each failure (with jitter, up to a cap), records the component as
degraded with the error and its start (`Health`: readiness and the metric
`mcu_component_degraded`), and clears it at the next success. What can never succeed (a
message too large for the log, a payload a consumer cannot read) is not retried here: the
component sets it aside in the dead-letter topic and goes on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from kit import metrics

log = logging.getLogger("mcu.supervision")
T = TypeVar("T")


@dataclass
class Degraded:
    error: str
    since: float  # time.time()
    attempts: int


class Health:
    """What of one service's background work is degraded now."""

    def __init__(self, service: str):
        self.service = service
        self.degraded: dict[str, Degraded] = {}

    def failing(self, component: str, error: BaseException) -> Degraded:
        text = f"{type(error).__name__}: {error}"[:300]
        state = self.degraded.get(component)
        if state is None:
            state = self.degraded[component] = Degraded(text, time.time(), 0)
            log.warning("component degraded", extra={"component": component, "error": text})
        state.error, state.attempts = text, state.attempts + 1
        metrics.DEGRADED.labels(self.service, component).set(1)
        metrics.RETRIES.labels(self.service, component).inc()
        return state

    def ok(self, component: str) -> None:
        state = self.degraded.pop(component, None)
        if state is not None:
            log.info("component recovered", extra={
                "component": component, "count": state.attempts,
                "seconds": round(time.time() - state.since, 1)})
            metrics.DEGRADED.labels(self.service, component).set(0)

    def report(self) -> dict[str, dict]:
        return {name: {"error": s.error, "since": round(s.since, 3), "attempts": s.attempts}
                for name, s in self.degraded.items()}


@dataclass(frozen=True)
class Backoff:
    first: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt ≥ 1): doubling, capped,
        with ±20 % jitter so that services do not retry in step."""
        base = min(self.cap, self.first * 2 ** (attempt - 1))
        return base * random.uniform(0.8, 1.2)


async def retrying(component: str, health: Health, attempt: Callable[[], Awaitable[T]],
                   stopping: asyncio.Event | None = None, backoff: Backoff = Backoff(),
                   fatal: tuple[type[BaseException], ...] = ()) -> T | None:
    """`attempt()` until it succeeds (its result), or until `stopping` is set (None).
    Each failure is logged, counted and waited out; success clears the degraded state.
    An error of a `fatal` type is not a fault that passes: it is raised at once."""
    failures = 0
    while True:
        if stopping is not None and stopping.is_set():
            return None
        try:
            result = await attempt()
        except (asyncio.CancelledError, *fatal):
            raise
        except Exception as exc:  # noqa: BLE001 - any fault: retried, never the end of the work
            failures += 1
            health.failing(component, exc)
            delay = backoff.delay(failures)
            log.warning("retrying after a fault", extra={
                "component": component, "error_code": type(exc).__name__, "count": failures,
                "seconds": round(delay, 2)})
            if await _stopped_within(stopping, delay):
                return None
            continue
        health.ok(component)
        return result


async def _stopped_within(stopping: asyncio.Event | None, seconds: float) -> bool:
    if stopping is None:
        await asyncio.sleep(seconds)
        return False
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
        return True
    except TimeoutError:
        return False
