"""The live update's delay: from a ПОС message posted to intake to its row in the open
queue of the coordinator it waits for, with the services as processes on the real log.

The console's path: intake's relay puts `AppealRegistered` on the log, routing decides
and indexes it, the console's follower sees the log move and tells the open page over
server-sent events, the page asks for its rows again (the browser adds a 300 ms
coalescing pause; measured here without it). The base of the same run: how long until
routing's own worklist answers the row, asked every 20 ms (the messages alternate between
the two ways, so both meet the same load). Needs Kafka (the dev stack's, started if
absent)."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

ROUNDS = 10
COORDINATOR = "u-adm-gkh-coord"


def _message(n: int, run: str) -> dict:
    return {"id": f"POS-LIVE-{run}-{n}", "category": "Ямы и выбоины на дорогах",
            "text": f"Яма на дороге у дома {n + 1} по ул. Ленина, машины объезжают",
            "address": f"ул. Ленина, {n + 1}", "organization_id": "1026101146446",
            "created_at": "2026-12-02T09:00:00+03:00",
            "author": {"esia_id": f"10000{n:05d}", "last_name": "Петров",
                       "first_name": "Пётр", "email": "petrov@example.ru"}}


class Stream(threading.Thread):
    """The console's `/live` for a signed-in page: every `changed` event's arrival time."""

    def __init__(self, url: str, cookies: httpx.Cookies):
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, cookies=cookies, timeout=None)
        self.arrived: list[float] = []
        self.changed = threading.Condition()

    def run(self) -> None:
        try:
            with self.client.stream("GET", "/live") as answer:
                for line in answer.iter_lines():
                    if line.startswith("event: changed"):
                        with self.changed:
                            self.arrived.append(time.monotonic())
                            self.changed.notify_all()
        except httpx.HTTPError:
            pass  # closed at the end of the run, or the console stopped

    def next_after(self, moment: float, timeout: float = 10) -> float:
        with self.changed:
            if not self.changed.wait_for(lambda: any(t > moment for t in self.arrived),
                                         timeout):
                raise TimeoutError(f"за {timeout} с ни одного события /live")
            return next(t for t in self.arrived if t > moment)


def _sign_in(console: httpx.Client) -> None:
    from tests.support.console import sign_in

    answer = sign_in(console, COORDINATOR)
    assert answer.status_code == 303, answer.text


def _until(check, timeout: float = 15, pause: float = 0.02) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(pause)
    raise TimeoutError("строка так и не появилась")


def measure(rounds: int = ROUNDS) -> dict:
    from kit.devstack.stack import DevStack
    from tests.support.processes import service

    kafka, run = DevStack().kafka.up(), uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as data, ExitStack() as stack:
        env = {"MCU_KAFKA_BOOTSTRAP": kafka, "MCU_DATA_DIR": str(Path(data)),
               "MCU_LOG_TOPIC": f"mcu.appeals.live-{run}", "MCU_LOG_PARTITIONS": "2",
               "MCU_DEMO": "true"}
        routing, _ = stack.enter_context(service("routing", env))
        env["MCU_ROUTING_URL"] = routing
        sla, _ = stack.enter_context(service("sla", env))
        intake, _ = stack.enter_context(service("intake", env))
        console, _ = stack.enter_context(service("console", {
            **env, "MCU_SLA_URL": sla, "MCU_INTAKE_URL": intake}))
        page = stack.enter_context(httpx.Client(base_url=console, timeout=10))
        _sign_in(page)
        stream = Stream(console, page.cookies)
        stream.start()
        raw = stack.enter_context(httpx.Client(base_url=routing, timeout=10, headers={
            "Authorization": f"Bearer demo-{COORDINATOR}"}))
        post = stack.enter_context(httpx.Client(base_url=intake, timeout=10,
                                                headers={"X-API-Key": "demo-pos"}))

        def posted(n: int) -> tuple[str, float]:
            message = _message(n, run)
            started = time.monotonic()
            answer = post.post("/api/v1/channels/pos/messages", json=message)
            assert answer.status_code == 201, answer.text
            return message["id"], started

        base, live = [], []
        time.sleep(1)  # the stream is open
        for n in range(rounds):
            number, started = posted(2 * n)  # the base: routing's worklist, polled
            seen = _until(lambda: raw.get("/api/v1/worklist", params={"q": number}).json()[
                "total"] > 0)
            base.append(seen - started)
            number, started = posted(2 * n + 1)  # the console: wait for the stream, ask
            moment = started
            while True:
                moment = stream.next_after(moment)
                if 'data-total="1"' in page.get("/queue", params={"q": number}).text:
                    live.append(time.monotonic() - started)
                    break
        stream.client.close()
    return {"base_s": _summary(base), "live_s": _summary(live)}


def _summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": round(statistics.median(times), 3), "max": round(times[-1], 3)}


def main() -> None:
    figures = measure()
    base, live = figures["base_s"], figures["live_s"]
    print(f"  routing: строка в /api/v1/worklist (база)   p50 {base['p50']:.3f} с"
          f"  макс {base['max']:.3f} с")
    print(f"  консоль: событие /live и строка в очереди   p50 {live['p50']:.3f} с"
          f"  макс {live['max']:.3f} с  ({live['p50'] / base['p50']:.1f}× базы; цель ≤ 1 с)")


if __name__ == "__main__":
    main()
