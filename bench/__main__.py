"""Prints each figure and its ratio to the raw round trip measured in the same run."""

from __future__ import annotations

import asyncio
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from bench.audit import EVENTS as EVENTS_PER_APPEAL
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
    from bench.sla import computations_per_second, timer_index

    print("\nСроки (SLA)…", flush=True)
    rates = computations_per_second()
    for term, rate in rates.items():
        print(f"  расчёт срока {term:<5} {rate:>10,.0f} в секунду")
    timers = timer_index()
    print(f"  таймеров в ожидании: {timers['pending']:,.0f} (загрузка {timers['load_s']:.1f} с); "
          f"сработало {timers['fired']:,.0f} из {timers['expected']:,.0f}; опоздание p50 "
          f"{timers['late_p50_s']:.3f} с, p99 {timers['late_p99_s']:.3f} с, "
          f"макс {timers['late_max_s']:.3f} с")
    from bench.routing import run as run_routing

    print("\nМаршрутизация и сроки…", flush=True)
    routing = asyncio.run(run_routing(bootstrap, dev.postgres))
    print(f"  решений автоправил из журнала: {routing['decisions_per_second']:,.0f} в секунду "
          f"({routing['decisions_per_second'] / ceiling:.2f} от raw)")
    for lat in (routing["latency"], routing["latency_postgres"]):
        print(f"  {lat['store']}: от AppealRegistered до AppealRouted в журнале при "
              f"{lat['rate']:.0f} обращений/с: p50 {lat['p50_ms']} мс, p99 {lat['p99_ms']} мс,"
              f" макс {lat['max_ms']} мс ({lat['routed']} из {lat['appeals']})")
        timed = lat["deadline_set"]
        if timed["count"]:
            print(f"    до DeadlineSet: p50 {timed['p50_ms']} мс, p99 {timed['p99_ms']} мс, "
                  f"макс {timed['max_ms']} мс ({timed['count']} из {lat['appeals']})")

    from bench.console import main as console_figures

    print("\nКонсоль: время сервера при 10 000 открытых обращений…", flush=True)
    console_figures()

    from bench.console_live import main as live_figures

    print("\nКонсоль: от сообщения ПОС до строки в открытой очереди (процессы, журнал)…",
          flush=True)
    live_figures()

    from bench.delivery import run as run_delivery

    print("\nОтветы заявителям по почте (локальный SMTP)…", flush=True)
    delivery = run_delivery()
    print(f"  доставлено {delivery['delivered_per_s']:,.0f}/с (почтовый клиент один: "
          f"{delivery['raw_mailer_per_s']:,.0f}/с, доля {delivery['ratio_to_raw_mailer']:.2f}); "
          f"от публикации до доставки при {delivery['steady_rate_per_s']:.0f}/с: p50 "
          f"{delivery['to_delivery_p50_ms']} мс, p99 {delivery['to_delivery_p99_ms']} мс")

    from bench.audit import run as run_audit

    print("\nАудит журнала (служба аудита процессом, 50 000 записей)…", flush=True)
    audit = run_audit()
    print(f"  заверение: {audit['ingested_per_s']:,.0f} записей/с, CPU службы "
          f"{audit['cpu_us_per_record']} мкс на запись; mcu audit verify: "
          f"{audit['verify_per_s']:,.0f} записей/с — {audit['verify_ratio_to_raw']:.2f} от "
          f"сырого круга журнала ({audit['raw_round_trip_per_s']:,.0f}/с, цель ≥ 1,5); "
          f"история обращения из {EVENTS_PER_APPEAL} событий через дверь службы: p50 "
          f"{audit['replay_p50_ms']} мс, p95 {audit['replay_p95_ms']} мс (цель ≤ 20)")

    from bench.end_to_end import measure_both

    print("\nКонвейер целиком: CPU на обращение (mcu run, wrk 32 соединения)…", flush=True)
    whole = measure_both(bootstrap, dev.postgres)
    for figure in whole:
        if "skipped" in figure:
            print(f"  пропущено: {figure['skipped']}")
            continue
        print(f"  {figure['store']}: {figure['cpu_ms_per_appeal']} мс CPU на обращение "
              f"({figure['events_per_appeal']} события), по частям {figure['cpu_ms_by_part']};"
              f" выдержит {figure['sustainable_per_s']:,}/с "
              f"({figure['sustainable_per_s'] / ceiling:.3f} от raw)")

    from bench.analytics import run as run_analytics

    print("\nАналитика (ClickHouse, chDB)… это займёт несколько минут", flush=True)
    analytics = asyncio.run(run_analytics(bootstrap))
    print(f"  загрузка из журнала: {analytics['ingest_rows_per_s']:,.0f} строк/с "
          f"({analytics['ingest_rows_per_s'] / ceiling:.2f} от raw), {analytics['events']:,} событий")
    print(f"  пересборка: {analytics['rebuild_events_per_s']:,.0f} событий/с "
          f"({analytics['rebuild_events_per_s'] / ceiling:.2f} от raw), "
          f"{analytics['rebuild_events']:,} событий")
    for size, queries in analytics["queries"].items():
        line = ", ".join(f"{q} p50 {t['p50_ms']:.0f} мс / p95 {t['p95_ms']:.0f} мс"
                         for q, t in queries.items())
        print(f"  {size:>10,} обращений: {line}")
    from bench.intake import run as run_intake

    print("\nПриём обращений через HTTP (wrk)…", flush=True)
    processes = os.cpu_count() or 1
    # group commit: more senders at once make larger batches, so the same processes accept
    # more per second at a longer wait; both figures, each for its own number of senders
    intake = [run_intake(bootstrap, workers=n, connections=c)
              for n, c in sorted({(1, 64), (processes, 64), (processes, 128)})]
    for run_figures in intake:
        if "skipped" in run_figures:
            print(f"  пропущено: {run_figures['skipped']}")
            break
        print(f"  HTTP-процессов {run_figures['http_processes']}, соединений "
              f"{run_figures['connections']}: принято с записью в хранилище "
              f"{run_figures['accepted_per_s']:,.0f}/с, p50 {run_figures['p50_ms']:.0f} мс, "
              f"p99 {run_figures['p99_ms']:.0f} мс, ошибок {run_figures['errors']} "
              f"(пустой /health/live: {run_figures['health_per_s']:,.0f}/с)")

    from bench.classification import run as run_classification

    print("\nКлассификация (обучение на kursk/train.csv, оценка на holdout.csv)…", flush=True)
    classification = run_classification()
    for target, figure in classification.items():
        print(f"  {target}: {figure}")
    out = Path("var") / "bench-pipeline.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "at": datetime.now(UTC).isoformat(), "machine": platform.node(),
        "figures": {name: {"per_second": rate, "ratio_to_raw": rate / ceiling}
                    for name, rate in figures},
        "sla": {"computations_per_second": rates, "timers": timers},
        "analytics": analytics,
        "routing": routing,
        "end_to_end": whole,
        "classification": classification,
        "intake": intake,
        "delivery": delivery,
        "audit": audit,
    }, ensure_ascii=False, indent=2))
    print(f"\nзаписано в {out}")


if __name__ == "__main__":
    main()
