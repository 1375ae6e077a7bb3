"""Prints each figure and its ratio to the raw round trip measured in the same run."""

from __future__ import annotations

import asyncio
import json
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench.pipeline import run


def main() -> None:
    print("Замер пропускной способности журнала (это займёт около минуты)…", flush=True)
    from kit.devstack.stack import DevStack

    dev = DevStack()
    bootstrap = dev.kafka.up()
    dev.postgres.up()
    figures = asyncio.run(run(bootstrap, dev.postgres))
    ceiling = figures[0][1]
    print(f"\n{'что измерено':<44}{'в секунду':>12}{'доля от raw':>13}")
    for name, rate in figures:
        print(f"{name:<44}{rate:>12,.0f}{rate / ceiling:>13.2f}")
    out = Path("var") / "bench-pipeline.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "at": datetime.now(UTC).isoformat(), "machine": platform.node(),
        "figures": {name: {"per_second": rate, "ratio_to_raw": rate / ceiling}
                    for name, rate in figures},
    }, ensure_ascii=False, indent=2))
    print(f"\nзаписано в {out}")


if __name__ == "__main__":
    main()
