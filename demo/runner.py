"""Sends synthetic appeals to the intake service at a steady rate."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import time
from datetime import UTC, datetime

import httpx

from demo.generator import KONSTANTINOVSKY, Place, appeals


async def run(intake_url: str, rate: float, total: int | None, seed: int,
               report_every: int = 50, incident_batch: int = 5,
               places: tuple[Place, ...] = (KONSTANTINOVSKY,)) -> int:
    """Send `total` appeals (forever when None) at `rate` per second, each through the real
    door of its channel; returns how many were accepted (social posts go in export files,
    so they are accepted a few at a time)."""
    sent = 0
    interval = 1.0 / rate
    start = time.monotonic()
    async with httpx.AsyncClient(base_url=intake_url, timeout=10) as client:
        sender = ChannelSender(client, incident_batch)
        await delivered(sender.load_services)
        for made, appeal in enumerate(appeals(seed, places), start=1):
            if total is not None and made > total:
                break
            before, sent = sent, sent + await delivered(lambda: sender.send(appeal, made))
            if sent // report_every > before // report_every:
                print(f"демо: отправлено {sent} обращений", flush=True)
            delay = start + made * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        sent += await delivered(sender.flush)
    return sent


async def delivered(send, most: float = 10.0):
    """What `send` returns once it got through: while intake is away (restarted, its
    connection dropped mid-answer) or answers 5xx, the same item is sent again after a
    pause, as a channel retries a delivery; the channels' items are idempotent. An item
    intake refuses (4xx) is reported and skipped."""
    pause = 0.5
    while True:
        try:
            return await send()
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code < 500:
                print(f"демо: приём отклонил ({exc.response.status_code}):"
                      f" {exc.response.text[:200]}", flush=True)
                return 0
            reason = f"ответ {exc.response.status_code}"
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
        print(f"демо: приём недоступен ({reason}), повтор через {pause:.0f} с", flush=True)
        await asyncio.sleep(pause)
        pause = min(most, pause * 2)


class ChannelSender:
    """Each appeal through its channel's adapter, with that channel's demo key: ПОС JSON,
    e-mail as .eml, social posts as «Инцидент Менеджмент» CSV exports (a file per few
    posts), Open311 form posts; phone, letters and the web form as operator entries."""

    def __init__(self, client: httpx.AsyncClient, incident_batch: int):
        self.client = client
        self.incident_batch = incident_batch
        self.incident_rows: list[dict[str, str]] = []
        self.codes: dict[str, str] = {}

    async def load_services(self) -> None:
        response = await self.client.get("/open311/v2/services.json")
        response.raise_for_status()
        self.codes = {s["service_name"]: s["service_code"] for s in response.json()}

    async def send(self, appeal, n: int) -> int:
        """How many appeals this call delivered (social posts wait for their export file)."""
        now = datetime.now(UTC)
        if appeal.channel == "incident":
            self.incident_rows.append(appeal.as_incident_row(now))
            return await self.flush() if len(self.incident_rows) >= self.incident_batch else 0
        if appeal.channel == "pos":  # a few hundred recurring applicants: repeats happen
            response = await self.client.post("/api/v1/channels/pos/messages", headers={
                "X-API-Key": "demo-pos"}, json=appeal.as_pos_message(now, author=n % 300))
        elif appeal.channel == "email":
            response = await self.client.post(
                "/api/v1/channels/email/messages", content=appeal.as_eml(now, author=n % 300),
                headers={"X-API-Key": "demo-email", "Content-Type": "message/rfc822"})
        elif appeal.channel == "open311" and appeal.topic in self.codes:
            response = await self.client.post("/open311/v2/requests.json",
                                              data=appeal.as_open311_form(self.codes[appeal.topic]))
        else:
            response = await self.client.post(
                "/api/v1/appeals", headers={"X-API-Key": f"demo-{appeal.channel}"},
                json=appeal.as_command(now, author=n % 300))
        response.raise_for_status()
        return 1

    async def flush(self) -> int:
        """Post the social posts gathered so far as one export file."""
        if not self.incident_rows:
            return 0
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(self.incident_rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(self.incident_rows)
        response = await self.client.post(
            "/api/v1/channels/incident/imports", params={"filename": "export.csv"},
            content=out.getvalue().encode("utf-8"),
            headers={"X-API-Key": "demo-incident", "Content-Type": "text/csv"})
        response.raise_for_status()
        report = response.json()
        if report["errors"]:
            print(f"демо: выгрузка ИМ — ошибки строк: {report['errors']}", flush=True)
        delivered = report["imported"] + report["duplicates"]
        self.incident_rows = []
        return delivered


def is_ready(url: str) -> bool:
    """Whether the service at `url` says it is ready (its start-up work done)."""
    try:
        return httpx.get(f"{url}/health/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(url: str, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    """Until the service at `url` is ready; fails early when its `process` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"сервис {url} завершился с кодом {process.returncode}")
        if is_ready(url):
            return
        time.sleep(0.5)
    raise TimeoutError(f"сервис {url} не готов за {timeout:.0f} с")
