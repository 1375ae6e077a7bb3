"""SLA figures: deadline computations/s; one instance's timers — 1M pending, fired on time."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from services.sla.adapters import calendar_file
from services.sla.domain.terms import Term, TermCalculator
from services.sla.domain.timer_index import TimerIndex

START = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)


def computations_per_second(n: int = 20_000) -> dict[str, float]:
    from tests.support.sla import shipped_policy

    loaded = shipped_policy()
    calc = TermCalculator(calendar_file.shipped(), loaded.schedule)
    rng = random.Random(1)
    moments = [START + timedelta(minutes=rng.randrange(0, 60 * 24 * 400)) for _ in range(n)]
    rates = {}
    for term in ("30d", "10wd", "8wh"):
        parsed = Term.parse(term)
        started = time.perf_counter()
        for moment in moments:
            calc.due(moment, parsed)
        rates[term] = n / (time.perf_counter() - started)
    return rates


def timer_index(pending: int = 1_000_000, window_s: float = 20.0) -> dict[str, float]:
    """Hold `pending` timers spread over a year, then fire those falling due in a window of
    real time, checking each fires within 1 s of its due moment (the index alone: the
    store write per fired timer is measured by the consumer benchmark)."""
    index = TimerIndex()
    rng = random.Random(2)
    started = time.perf_counter()
    for _ in range(pending):
        index.schedule(uuid.uuid4(), START + timedelta(seconds=rng.uniform(0, 365 * 86400)))
    load_s = time.perf_counter() - started
    # Then the next real `window_s` seconds get 2,000 timers/s falling due, and we poll like
    # the service does (every 0.2 s) on the real clock.
    now0 = datetime.now(UTC)
    soon = [now0 + timedelta(seconds=rng.uniform(0.5, window_s)) for _ in range(int(window_s * 2000))]
    by_id = {}
    for at in soon:
        appeal = uuid.uuid4()
        by_id[appeal] = at
        index.schedule(appeal, at)
    lateness = []
    deadline = time.perf_counter() + window_s + 1.5
    while time.perf_counter() < deadline:
        now = datetime.now(UTC)
        for appeal in index.due(now, limit=100_000):
            if appeal in by_id:
                lateness.append((now - by_id[appeal]).total_seconds())
        time.sleep(0.2)
    lateness.sort()
    return {"pending": float(len(index) + len(lateness)), "load_s": load_s,
            "fired": float(len(lateness)), "expected": float(len(soon)),
            "late_p50_s": lateness[len(lateness) // 2], "late_p99_s": lateness[int(len(lateness) * .99)],
            "late_max_s": lateness[-1]}
