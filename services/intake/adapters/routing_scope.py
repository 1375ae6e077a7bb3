"""Whether a staff member's roles reach an appeal. Routing knows who holds an appeal and
who is assigned to it, so the vault's door asks routing, with the caller's own token.
Anything but a clear answer refuses the read (fail closed)."""

from __future__ import annotations

import uuid

import httpx

from contracts.vocabulary import Role


class ScopeUnknown(Exception):
    """Routing cannot say now; `code` and the Russian message go to the caller."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class RoutingScope:
    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=5)

    async def roles(self, appeal_id: uuid.UUID, authorization: str) -> frozenset[Role]:
        """The caller's roles that reach the appeal in routing (empty: none do)."""
        try:
            response = await self.client.get(
                f"{self.base_url}/api/v1/appeals/{appeal_id}/scope",
                headers={"Authorization": authorization})
        except httpx.HTTPError as exc:
            raise ScopeUnknown(503, "routing_unavailable", "Сервис маршрутизации недоступен"
                               f" ({type(exc).__name__}): зона ответственности не проверена"
                               ) from None
        if response.status_code == 404:
            raise ScopeUnknown(409, "not_routed_yet", "Обращение ещё не дошло до"
                               " маршрутизации: повторите через несколько секунд")
        if response.status_code in (401, 403):
            return frozenset()
        if response.status_code != 200:
            raise ScopeUnknown(503, "routing_unavailable", "Сервис маршрутизации ответил"
                               f" {response.status_code}: зона ответственности не проверена")
        return frozenset(Role(r) for r in response.json()["roles"])
