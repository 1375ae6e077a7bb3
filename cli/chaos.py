"""`mcu chaos`: a steady load, services killed with SIGKILL at random moments, the broker
stopped for a while, then a reconciliation over the whole log, printed as figures.

It runs a world of its own (a broker on free ports, a fresh data directory and topic,
the four services under `mcu run`'s supervisor) so nothing of a running stack is touched.
The load is web appeals, each sent again until intake answers (as a channel retries a
delivery); an appeal counts as accepted when intake answered 2xx. The reconciliation
asks of the log: every accepted appeal registered? routed once? its deadline set once?
and of analytics: one row per event of the log? Exit 0 when every answer is yes.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import typer

from cli.supervisor import Supervisor
from kit.settings import SERVICES

ANALYST = {"Authorization": "Bearer demo-u-analyst"}


def _free_ports(count: int) -> list[int]:
    """`count` consecutive free ports below the kernel's ephemeral range: a port taken
    from that range may be handed meanwhile to an outgoing connection of the load."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    for _ in range(200):
        first = rng.randrange(20000, low - count)
        held: list[socket.socket] = []
        try:
            for port in range(first, first + count):
                held.append(socket.socket())
                held[-1].bind(("127.0.0.1", port))
            return list(range(first, first + count))
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("нет свободных портов для стенда хаоса")


@dataclass
class Load:
    """Web appeals at a steady rate; what intake accepted, by appeal id."""

    url: str
    rate: float
    accepted: set[str] = field(default_factory=set)
    retries: int = 0

    async def run(self, seconds: float) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            start, n = time.monotonic(), 0
            while time.monotonic() - start < seconds:
                n += 1
                await self._deliver(client, n)
                delay = start + n / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def _deliver(self, client: httpx.AsyncClient, n: int) -> None:
        body = {"channel": "web", "external_id": f"CHAOS-{n}",
                "text": f"Не горит фонарь у дома {n % 97 + 1}", "territory": "г. Константиновск",
                "applicant": {"email": f"chaos{n}@example.ru"}}
        pause = 0.2
        while True:
            try:
                answer = await client.post("/api/v1/appeals", json=body,
                                           headers={"X-API-Key": "demo-web"})
                if answer.status_code < 300:
                    self.accepted.add(answer.json()["appeal_id"])
                    return
                if answer.status_code < 500:
                    raise RuntimeError(f"приём отклонил обращение: {answer.text[:300]}")
            except httpx.HTTPError:
                pass
            self.retries += 1
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 2)


@dataclass
class Tally:
    """The reconciliation's figures."""

    accepted: int = 0
    registered: int = 0
    missing: int = 0
    not_routed: int = 0
    routed_twice: int = 0
    no_deadline: int = 0
    deadline_twice: int = 0
    log_records: int = 0
    log_events: int = 0
    analytics_rows: int = -1
    analytics_events: int = -1

    @property
    def clean(self) -> bool:
        return (self.missing == self.not_routed == self.routed_twice == self.no_deadline
                == self.deadline_twice == 0 and self.analytics_rows == self.log_events
                == self.analytics_events)


async def reconcile(bootstrap: str, topic: str, accepted: set[str], analytics: str) -> Tally:
    from contracts import UndecodableEvent, decode
    from kit.topics import read_topic

    records = await read_topic(bootstrap, topic)
    events: dict[str, dict[tuple[str, int], str]] = defaultdict(dict)  # appeal -> identity
    identities = set()
    for record in records:
        try:
            envelope = decode(record.value or b"", payload_model=False)
        except UndecodableEvent:
            continue
        key = (envelope.producer, envelope.seq)
        stage = (envelope.payload or {}).get("stage", "") if envelope.event_type == \
            "DeadlineSet" else ""
        events[str(envelope.appeal_id)][key] = f"{envelope.event_type}:{stage}"
        identities.add(envelope.event_id)
    tally = Tally(accepted=len(accepted), log_records=len(records), log_events=len(identities))
    for appeal in accepted:
        kinds = Counter(events.get(appeal, {}).values())
        tally.registered += kinds["AppealRegistered:"] > 0
        tally.missing += kinds["AppealRegistered:"] == 0
        tally.not_routed += kinds["AppealRouted:"] == 0
        tally.routed_twice += kinds["AppealRouted:"] > 1
        tally.no_deadline += kinds["DeadlineSet:answer"] == 0
        tally.deadline_twice += any(n > 1 for k, n in kinds.items() if k.startswith("DeadlineSet"))
    try:
        answer = httpx.post(f"{analytics}/api/v1/sql", headers=ANALYST, timeout=30, json={
            "sql": "SELECT count() AS r, uniqExact(event_id) AS e FROM events"}).json()
        tally.analytics_rows, tally.analytics_events = answer["rows"][0]
    except (httpx.HTTPError, KeyError, IndexError, ValueError):
        pass
    return tally


def _print(tally: Tally, kills: Counter, outage: float, restarts: int, retries: int) -> None:
    say = typer.echo
    say("\nХаос: итоги сверки по всему журналу")
    say(f"  убито процессов (SIGKILL): {sum(kills.values())} — "
        + (", ".join(f"{k} {v}" for k, v in sorted(kills.items())) or "нет"))
    say(f"  простой брокера: {outage:.0f} с")
    say(f"  перезапусков сервисов надзором: {restarts}")
    say(f"  принято обращений (ответ 2xx): {tally.accepted} (повторных отправок: {retries})")
    say(f"  не дошло до журнала: {tally.missing}")
    say(f"  не маршрутизировано: {tally.not_routed}; маршрутизировано дважды: {tally.routed_twice}")
    say(f"  без срока ответа: {tally.no_deadline}; срок установлен дважды: {tally.deadline_twice}")
    say(f"  записей в журнале: {tally.log_records}, событий (без повторов по идентичности):"
        f" {tally.log_events}")
    say(f"  строк в аналитике: {tally.analytics_rows}, различных событий:"
        f" {tally.analytics_events} (на событие: "
        f"{tally.analytics_rows / tally.log_events if tally.log_events else 0:.3f})")
    say("  результат: " + ("всё сошлось" if tally.clean else "РАСХОЖДЕНИЯ"))


def chaos(seconds: float = typer.Option(300, help="Сколько длится нагрузка, с"),
          rate: float = typer.Option(20, help="Обращений в секунду"),
          kills: int = typer.Option(8, help="Сколько раз убить сервис (SIGKILL)"),
          outage: float = typer.Option(60, help="На сколько секунд остановить брокер (0 — нет)"),
          settle: float = typer.Option(240, help="Сколько ждать, пока всё догонит журнал, с"),
          seed: int = typer.Option(1, help="Зерно случайных моментов"),
          keep: bool = typer.Option(False, help="Оставить данные прогона")) -> None:
    """Хаос-проверка: нагрузка, SIGKILL сервисов, остановка брокера, сверка журнала."""
    from kit.devstack.kafka import PROJECT_ROOT, KafkaStack

    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="mcu-chaos-"))
    broker_port, _controller, *ports = _free_ports(2 + len(SERVICES))
    broker = KafkaStack(cache_dir=PROJECT_ROOT / ".cache", run_dir=root / "kafka",
                        port=broker_port)
    typer.echo(f"хаос: свой брокер {broker.up()}, данные {root}")
    port_of = dict(zip(SERVICES, ports, strict=True))
    base = {**os.environ, "MCU_DEMO": "true", "MCU_DATA_DIR": str(root / "data"),
            "MCU_KAFKA_BOOTSTRAP": broker.bootstrap, "MCU_LOG_TOPIC": "mcu.appeals.chaos",
            "MCU_LOG_LEVEL": "WARNING", "MCU_SMTP_HOST": "",
            "MCU_ROUTING_URL": f"http://127.0.0.1:{port_of['routing']}"}
    supervisor = Supervisor(say=lambda line: typer.echo(f"хаос: {line}", err=True))
    for name in SERVICES:
        supervisor.add(name, [sys.executable, "-m", "cli.main", "serve", name],
                       env={**base, "MCU_HTTP_PORT": str(port_of[name])})
    url = {name: f"http://127.0.0.1:{port}" for name, port in port_of.items()}
    killed: Counter = Counter()
    stopped_for = 0.0
    try:
        _wait_ready(url, supervisor)
        load = Load(url["intake"], rate)
        moments = sorted(rng.uniform(0.1, 0.9) * seconds for _ in range(kills))
        victims = [SERVICES[i % len(SERVICES)] for i in range(kills)]
        rng.shuffle(victims)
        outage_at = 0.4 * seconds if outage else None

        async def chaos_schedule() -> None:
            nonlocal stopped_for
            start, pending = time.monotonic(), list(zip(moments, victims, strict=True))
            outage_due = outage_at
            while pending or outage_due is not None:
                elapsed = time.monotonic() - start
                supervisor.watch_once()
                if pending and elapsed >= pending[0][0]:
                    _, victim = pending.pop(0)
                    child = next(c for c in supervisor.children if c.name == victim)
                    if child.alive:
                        os.kill(child.process.pid, signal.SIGKILL)
                        killed[victim] += 1
                        typer.echo(f"хаос: {elapsed:5.1f} с — {victim} убит (SIGKILL)")
                if outage_due is not None and elapsed >= outage_due:
                    outage_due = None
                    stopped_for = await _broker_outage(broker, outage, supervisor, elapsed)
                await asyncio.sleep(0.2)

        async def everything() -> None:
            await asyncio.gather(load.run(seconds), chaos_schedule())

        typer.echo(f"хаос: нагрузка {rate:g}/с на {seconds:.0f} с, убийств {kills}, простой"
                   f" брокера {outage:.0f} с")
        asyncio.run(everything())
        typer.echo(f"хаос: нагрузка закончена, принято {len(load.accepted)}; жду, пока все"
                   " догонят журнал…")
        tally = _settled(broker.bootstrap, load.accepted, url, supervisor, settle)
        _print(tally, killed, stopped_for, sum(c.restarts for c in supervisor.children),
               load.retries)
        code = 0 if tally.clean else 1
    finally:
        supervisor.stop()
        broker.down()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    raise typer.Exit(code)


async def _broker_outage(broker, seconds: float, supervisor: Supervisor,
                         elapsed: float) -> float:
    """The broker killed, kept down `seconds`, started again; how long it was away."""
    typer.echo(f"хаос: {elapsed:5.1f} с — брокер остановлен на {seconds:.0f} с")
    down = time.monotonic()
    _kill_broker(broker)
    while time.monotonic() - down < seconds:
        supervisor.watch_once()  # services killed meanwhile still come back
        await asyncio.sleep(0.5)
    await asyncio.to_thread(broker.up)
    away = time.monotonic() - down
    typer.echo(f"хаос: брокер снова работает ({away:.0f} с простоя)")
    return away


def _kill_broker(broker) -> None:
    from kit.devstack.process import running_pid

    pid = running_pid(broker.pid_file)
    if pid:
        os.kill(pid, signal.SIGKILL)
        try:
            os.waitpid(pid, 0)  # it is our child: reaped, not left a zombie
        except ChildProcessError:
            while running_pid(broker.pid_file):
                time.sleep(0.1)


def _wait_ready(url: dict[str, str], supervisor: Supervisor, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(url)
    while waiting:
        supervisor.watch_once()
        if supervisor.refused is not None or time.monotonic() > deadline:
            raise typer.Exit(2)
        for name in list(waiting):
            try:
                if httpx.get(f"{url[name]}/health/ready", timeout=2).status_code == 200:
                    waiting.discard(name)
            except httpx.HTTPError:
                pass
        time.sleep(0.5)


def _settled(bootstrap: str, accepted: set[str], url: dict[str, str], supervisor: Supervisor,
             settle: float) -> Tally:
    """Reconcile again and again until everything caught up, or the wait is over."""
    deadline = time.monotonic() + settle
    while True:
        supervisor.watch_once()
        tally = asyncio.run(reconcile(bootstrap, "mcu.appeals.chaos", accepted,
                                      url["analytics"]))
        if tally.clean or time.monotonic() > deadline:
            return tally
        time.sleep(3)
