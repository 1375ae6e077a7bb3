"""Time as a dependency: the real clock in services, a controllable one in tests/demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to (tests run weeks in milliseconds)."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


class AcceleratedClock:
    """Runs `factor` times faster than real time from `start` (the demo's clock)."""

    def __init__(self, factor: float, start: datetime | None = None, base: Clock | None = None):
        self._base = base or SystemClock()
        self._origin = self._base.now()
        self._start = start or self._origin
        self._factor = factor

    def now(self) -> datetime:
        return self._start + (self._base.now() - self._origin) * self._factor


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


__all__ = ["AcceleratedClock", "Clock", "FixedClock", "SystemClock", "timedelta", "utc"]
