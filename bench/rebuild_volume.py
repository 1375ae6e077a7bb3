"""A large region's history rebuilt from the log: `python -m bench.rebuild_volume --appeals N`.

Synthetic stories (bench.analytics) are put on a fresh log topic, then `rebuild` replays the
whole log into a fresh engine, as `mcu analytics rebuild` does; the indicators are then
timed on what the rebuild made. Separate from `make bench`: a million appeals are about
seven million events and several gigabytes of log.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from bench.analytics import MSK, produce_stories
from kit.settings import Settings
from kit.topics import ensure_log_topics
from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.adapters.projection import Projector
from services.analytics.adapters.reports import Reports
from services.analytics.domain.indicators import Period
from services.analytics.entrypoints.rebuild import rebuild
from tests.support.analytics_fixture import FORMULA, RULE


def _timed(run, repeats: int = 9) -> dict:
    run()  # warm
    samples = sorted(_seconds(run) * 1000 for _ in range(repeats))
    return {"p50_ms": round(statistics.median(samples)), "max_ms": round(samples[-1])}


def _seconds(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


async def measure(bootstrap: str, appeals: int) -> dict:
    settings = Settings(kafka_bootstrap=bootstrap,
                        log_topic=f"mcu.appeals.bench-v-{uuid.uuid4().hex[:6]}")
    await ensure_log_topics(settings)
    started = time.perf_counter()
    events = await produce_stories(bootstrap, settings.log_topic, random.Random(11), appeals)
    produce_s = time.perf_counter() - started
    directory = Path(tempfile.mkdtemp(prefix="mcu-volume-"))
    ch = ClickHouse(f"chdb://{directory}")
    try:
        gc.collect()
        gc.freeze()  # as `mcu analytics rebuild` does
        started = time.perf_counter()
        read = await rebuild(Projector(ch, MSK), bootstrap, settings.log_topic)
        rebuild_s = time.perf_counter() - started
        gc.unfreeze()
        stored = ch.query("SELECT count() FROM appeals_by_day FINAL")[1][0][0]
        reports = Reports(ch, FORMULA, RULE)
        span = Period.of(date(2026, 9, 1), date(2026, 11, 1))
        queries = {"rating": _timed(lambda: reports.rating(span)),
                   "heatmap": _timed(lambda: reports.heatmap(span)),
                   "trend": _timed(lambda: reports.counts(span, "day"))}
    finally:
        ch.close()
        shutil.rmtree(directory, ignore_errors=True)
    return {"appeals": appeals, "events": events, "produce_s": round(produce_s, 1),
            "rebuild_events": read, "rebuild_s": round(rebuild_s, 1),
            "rebuild_events_per_s": round(read / rebuild_s), "appeals_rebuilt": stored,
            "queries": queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    args = parser.parse_args()
    from kit.devstack.stack import DevStack

    bootstrap = DevStack().kafka.up()
    print(f"История из {args.appeals:,} обращений: журнал, пересборка, показатели…", flush=True)
    print(json.dumps(asyncio.run(measure(bootstrap, args.appeals)), ensure_ascii=False,
                     indent=2))


if __name__ == "__main__":
    main()
