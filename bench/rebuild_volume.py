"""A large region's history rebuilt from the log: `python -m bench.rebuild_volume --appeals N`.

Synthetic stories (bench.analytics) are put on a fresh log topic, then `rebuild` replays the
whole log into a fresh engine, as `mcu analytics rebuild` does; the indicators are then
timed on what the rebuild made. Separate from `make bench`: a million appeals are about
seven million events and several gigabytes of log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from bench.analytics import TREE, produce_stories, timed_rebuild
from kit.settings import Settings
from kit.topics import ensure_log_topics
from services.analytics.adapters.clickhouse import ClickHouse
from services.analytics.application import Analytics
from services.analytics.domain.indicators import Period
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
    events = await produce_stories(bootstrap, settings.log_topic, random.Random(11), appeals,
                                   sorted(TREE.zones))  # 20 municipalities in 4 regions
    produce_s = time.perf_counter() - started
    directory = Path(tempfile.mkdtemp(prefix="mcu-volume-"))
    ch = ClickHouse(f"chdb://{directory}")
    try:
        read, rebuild_s = await timed_rebuild(ch, bootstrap, settings.log_topic, TREE)
        stored = ch.query("SELECT count() FROM appeals_by_day FINAL")[1][0][0]
        analytics = Analytics(ch, TREE, FORMULA, RULE)
        reports = analytics.reports
        month = Period.of(date(2026, 10, 1), date(2026, 11, 1))
        week = Period.of(date(2026, 10, 12), date(2026, 10, 19))
        one, region = ["m-3"], [m for m, r in TREE.regions.items() if r == "r-3"]
        queries = {}
        for level, scope in (("municipality", one), ("region", region)):
            queries |= {f"{level} rating": _timed(lambda: reports.rating(month, scope)),
                        f"{level} heatmap": _timed(lambda: reports.heatmap(week, scope)),
                        f"{level} trend": _timed(lambda: reports.counts(month, "day", scope)),
                        f"{level} memo": _timed(lambda: analytics.memo_data(
                            "2026-W42", datetime(2026, 10, 19, 9, tzinfo=UTC), scope), 3)}
        queries["region's MCUs"] = _timed(lambda: reports.municipalities(month, region))
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
