"""Sends synthetic appeals to the intake service at a steady rate."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx

from demo.generator import appeals


async def run(intake_url: str, rate: float, total: int | None, seed: int,
              report_every: int = 50) -> int:
    """Post `total` appeals (forever when None) at `rate` per second; returns how many."""
    sent = 0
    interval = 1.0 / rate
    start = time.monotonic()
    async with httpx.AsyncClient(base_url=intake_url, timeout=10) as client:
        for appeal in appeals(seed):
            if total is not None and sent >= total:
                break
            response = await client.post("/api/v1/appeals",
                                         json=appeal.as_command(datetime.now(UTC)))
            response.raise_for_status()
            sent += 1
            if sent % report_every == 0:
                print(f"демо: отправлено {sent} обращений", flush=True)
            delay = start + sent * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
    return sent


async def _send(client: httpx.AsyncClient, appeal, codes: dict[str, str], n: int):
    """Through the real door of the appeal's channel, with that channel's demo key."""
    now = datetime.now(UTC)
    if appeal.channel == "pos":  # a few hundred recurring applicants: repeats happen
        return await client.post("/api/v1/channels/pos/messages", headers={
            "X-API-Key": "demo-pos"}, json=appeal.as_pos_message(now, author=n % 300))
    if appeal.channel == "open311" and appeal.topic in codes:
        return await client.post("/open311/v2/requests.json",
                                 data=appeal.as_open311_form(codes[appeal.topic]))
    return await client.post("/api/v1/appeals", headers={"X-API-Key": f"demo-{appeal.channel}"},
                             json=appeal.as_command(now))


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"сервис {url} не готов за {timeout:.0f} с")
