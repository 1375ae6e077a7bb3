"""One HTTP client per owner service the audit asks to recompute its decisions (routing,
SLA), kept for the service's lifetime: a replay through the door asks without a new
connection each time."""

from __future__ import annotations

import logging

import httpx

log = logging.getLogger(__name__)


class OwnerClient:
    def __init__(self, address: str, timeout: float = 5.0):
        self.address, self.timeout = address, timeout
        self._client: httpx.AsyncClient | None = None

    async def ask(self, method: str, path: str, **request) -> dict | None:
        """The owner's JSON answer; None when it refused or did not answer (logged: the
        finding says «не пересчитано»)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(base_url=self.address, timeout=self.timeout)
        try:
            answer = await self._client.request(method, path, **request)
            answer.raise_for_status()
            return answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("not rechecked by its owner", extra={"path": path,
                                                             "error": str(exc)[:300]})
            return None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
