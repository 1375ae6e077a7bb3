"""Whose appeal is it: routing's answer, asked by every other service's staff door.

Routing knows who holds an appeal, who is assigned to it and whose block it is in, so it
alone decides scope; intake's vault door and SLA's doors ask it
(`GET /api/v1/appeals/{id}/scope`) with the caller's own token, and keep no second copy
of the rules. An appeal out of reach is answered exactly as a missing one; anything but
a clear answer refuses (fail closed).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import httpx

from contracts.vocabulary import Role
from kit.directory import Person
from kit.problems import Problem, appeal_not_found
from kit.staff import require_role


BATCH = 100  # appeals per batch request: the ids fit in a URL of under 5 KB


class RoutingScope:
    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None):
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=5)

    async def roles(self, appeal_id: uuid.UUID, authorization: str) -> frozenset[Role]:
        """The caller's roles that reach the appeal in routing (empty: none does, or the
        appeal is unknown there: the same answer)."""
        try:
            response = await self.client.get(
                f"{self.base_url}/api/v1/appeals/{appeal_id}/scope",
                headers={"Authorization": authorization})
        except httpx.HTTPError as exc:
            raise Problem(503, "routing_unavailable", "Зона ответственности не проверена",
                          f"Сервис маршрутизации недоступен ({type(exc).__name__}): "
                          "повторите позже") from None
        if response.status_code in (401, 403, 404):
            return frozenset()
        if response.status_code != 200:
            raise Problem(503, "routing_unavailable", "Зона ответственности не проверена",
                          f"Сервис маршрутизации ответил {response.status_code}: повторите"
                          " позже")
        return frozenset(Role(r) for r in response.json()["roles"])

    async def roles_many(self, appeal_ids: list[uuid.UUID], authorization: str
                         ) -> dict[uuid.UUID, frozenset[Role]]:
        """`roles` for many appeals, BATCH per request (a URL stays a few kilobytes); an
        appeal out of reach is absent."""
        found: dict[uuid.UUID, frozenset[Role]] = {}
        for part in await asyncio.gather(*(
                self._roles_of(appeal_ids[i:i + BATCH], authorization)
                for i in range(0, len(appeal_ids), BATCH))):
            found.update(part)
        return found

    async def _roles_of(self, appeal_ids: list[uuid.UUID], authorization: str
                        ) -> dict[uuid.UUID, frozenset[Role]]:
        try:
            response = await self.client.get(
                f"{self.base_url}/api/v1/scopes", params={"appeal_id": [str(a) for a in appeal_ids]},
                headers={"Authorization": authorization})
        except httpx.HTTPError as exc:
            raise Problem(503, "routing_unavailable", "Зона ответственности не проверена",
                          f"Сервис маршрутизации недоступен ({type(exc).__name__}): "
                          "повторите позже") from None
        if response.status_code in (401, 403):
            return {}
        if response.status_code != 200:
            raise Problem(503, "routing_unavailable", "Зона ответственности не проверена",
                          f"Сервис маршрутизации ответил {response.status_code}: повторите"
                          " позже")
        return {uuid.UUID(a): frozenset(Role(r) for r in roles)
                for a, roles in response.json()["roles"].items()}

    async def acting_role(self, person: Person, appeal_id: uuid.UUID, authorization: str,
                          allowed: Sequence[Role]) -> Role:
        """The first of `allowed` that the person has and that reaches the appeal: a role
        that allows nothing is 403 `forbidden_role` (whatever the appeal); no reach is
        the 404 of a missing appeal."""
        require_role(person, allowed)
        reach = await self.roles(appeal_id, authorization)
        for role in allowed:
            if role in person.roles and role in reach:
                return role
        raise appeal_not_found()

    async def close(self) -> None:
        await self.client.aclose()
