"""The console's server time with 10,000 open appeals: the queue page (first page, a text
search, sorted by due time, filtered by the deadline state) and the appeal card, p50/p95, beside the raw call of
routing's worklist in the same run (the ratio is what to compare between runs).

In-process: routing and SLA on SQLite stores in a temporary folder, their HTTP faces over
ASGI, the console's pages through its own HTTP face; every call goes as the coordinator
whose queue holds the 10,000."""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from pathlib import Path

from kit.settings import Settings
from kit.stores import store_environment

OPEN = 10_000
SAMPLES = 40


def _world(folder: Path):
    from kit.clock import FixedClock
    from kit.privacy import redactor
    from services.intake.application import IntakeApplication
    from services.routing.application import RoutingApplication
    from services.routing.bootstrap import autorules
    from services.sla.application import SlaApplication
    from services.sla.bootstrap import tenants
    from tests.support.intake import shipped_classifier
    from tests.unit.test_tenancy import NOW, deployment

    settings, d = Settings(data_dir=folder, _env_file=None), deployment()
    intake = IntakeApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                               clock=FixedClock(NOW), redactor=redactor(),
                               classifier=shipped_classifier(), deployment=d)
    routing = RoutingApplication(env=store_environment("routing", settings), deployment=d,
                                 rules=autorules(d)[0], clock=FixedClock(NOW))
    sla = SlaApplication(env=store_environment("sla", settings), deployment=d,
                         tenants=tenants(settings, d), clock=FixedClock(NOW))
    return intake, routing, sla


def _fill(intake, routing, sla) -> None:
    from services.intake.domain.commands import RegisterAppeal
    from tests.support.doors import follow_deadlines, set_deadlines
    from tests.support.intake import route_registrations

    streets = ("Ленина", "Мира", "Садовая", "Школьная", "Донская", "Комсомольская")
    for n in range(OPEN):
        intake.register(RegisterAppeal(
            channel="web", external_id=f"B-{n}", municipality="konstantinovsky",
            topic="Ямы и выбоины на дорогах",
            text=f"Яма на дороге, ул. {streets[n % len(streets)]}, {n % 90 + 1}: объезжают"))
    route_registrations(intake, routing)
    set_deadlines(intake, sla)
    follow_deadlines(sla, routing)  # routing's queues sort by what SLA's events say


def _timed(call, samples: int = SAMPLES) -> dict[str, float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.status_code
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}


def measure() -> dict:
    from tests.support.console import console_client, sign_in

    with tempfile.TemporaryDirectory() as folder:
        intake, routing, sla = _world(Path(folder))
        started = time.perf_counter()
        _fill(intake, routing, sla)
        filled_s = time.perf_counter() - started
        gc.collect()
        gc.freeze()  # as a service process does after start-up (kit.runtime)
        client, _ = console_client(routing, sla)
        with client:
            sign_in(client, "u-adm-gkh-coord")
            from fastapi.testclient import TestClient
            from tests.support.routing import http_api

            raw = TestClient(http_api(routing))
            token = {"Authorization": "Bearer demo-u-adm-gkh-coord"}
            total = raw.get("/api/v1/worklist?limit=1", headers=token).json()["total"]
            some = raw.get("/api/v1/worklist?limit=1&offset=5000", headers=token).json()
            appeal = some["items"][0]["appeal_id"]
            figures = {
                "open": total, "filled_s": round(filled_s, 1),
                "raw_worklist": _timed(lambda: raw.get("/api/v1/worklist?limit=25",
                                                       headers=token)),
                "queue": _timed(lambda: client.get("/queue")),
                "queue_search": _timed(lambda: client.get("/queue?q=Садовая")),
                "queue_by_due": _timed(lambda: client.get("/queue?sort=due")),
                "queue_in_time": _timed(lambda: client.get(
                    "/queue?deadline=in_time&sort=due")),
                "queue_page_200": _timed(lambda: client.get("/queue?page=200")),
                "card": _timed(lambda: client.get(f"/appeals/{appeal}")),
            }
        routing.close()
        sla.close()
    return figures


def main() -> None:
    figures = measure()
    base = figures["raw_worklist"]["p95_ms"]
    print(f"  открытых обращений в очереди: {figures['open']:,} (наполнение {figures['filled_s']} с)")
    for name, title in (("raw_worklist", "routing: /api/v1/worklist (база)"),
                        ("queue", "консоль: очередь, 1-я страница"),
                        ("queue_search", "консоль: поиск по тексту"),
                        ("queue_page_200", "консоль: 200-я страница"),
                        ("queue_by_due", "консоль: по сроку (вся очередь)"),
                        ("queue_in_time", "консоль: «в срок», по сроку"),
                        ("card", "консоль: карточка обращения")):
        f = figures[name]
        print(f"  {title:<40} p50 {f['p50_ms']:>7} мс  p95 {f['p95_ms']:>7} мс"
              f"  ({f['p95_ms'] / base:.1f}× базы)")


if __name__ == "__main__":
    main()
