"""The services the console shows, called over HTTP as the signed-in person (their staff
token): every refusal comes back as the service's own RFC 9457 problem, in Russian."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Refused(Exception):
    """A service's answer other than success: its problem's status, code and text."""

    status: int
    code: str
    title: str
    detail: str
    errors: tuple[dict, ...] = ()

    def __str__(self) -> str:
        return f"{self.title}: {self.detail}" if self.detail and self.detail != self.title \
            else self.title


class Upstream:
    """One client per service, kept for the console's lifetime (connections reused)."""

    def __init__(self, addresses: dict[str, str], timeout: float = 10.0,
                 transports: dict[str, httpx.AsyncBaseTransport] | None = None):
        """`transports`: a service reached in-process (tests), by its name."""
        transports = transports or {}
        self.clients = {name: httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout,
                                                transport=transports.get(name))
                        for name, url in addresses.items()}

    async def call(self, service: str, method: str, path: str, token: str, *,
                   params: Any = None, body: Any = None, raw: bool = False) -> Any:
        try:
            answer = await self.clients[service].request(
                method, path, params=params, json=body,
                headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise Refused(503, "service_unavailable", "Сервис недоступен",
                          f"Сервис «{service}» не ответил ({type(exc).__name__}); "
                          "повторите через минуту") from None
        if answer.status_code >= 400:
            raise _refusal(answer)
        return answer if raw else answer.json()

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        return await self.call(service, "GET", path, token,
                               params={k: v for k, v in params.items() if v is not None})

    async def post(self, service: str, path: str, token: str, body: Any = None) -> Any:
        return await self.call(service, "POST", path, token, body=body)

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def _refusal(answer: httpx.Response) -> Refused:
    try:
        problem = answer.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    return Refused(answer.status_code, str(problem.get("code", "refused")),
                   str(problem.get("title", "Действие отклонено")),
                   str(problem.get("detail", "")), tuple(problem.get("errors", ()) or ()))
