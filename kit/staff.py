"""Who calls a staff HTTP door: the directory's person named by `Authorization: Bearer
<token>` (only the token's SHA-256 is in the directory), and what their roles allow."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Annotated

from fastapi import Header

from contracts.vocabulary import Role
from kit.directory import Directory, Person
from kit.problems import Problem


def caller(directory: Directory) -> Callable[..., Person]:
    """A FastAPI dependency: the calling person, or 401 `unauthorized`."""

    def person(authorization: Annotated[str | None, Header()] = None) -> Person:
        token = (authorization or "").removeprefix("Bearer ").strip()
        found = directory.person_by_token(token) if token else None
        if found is None:
            raise Problem(401, "unauthorized", "Требуется вход",
                          "Передайте заголовок Authorization: Bearer <токен сотрудника>")
        return found

    return person


def require_role(person: Person, allowed: Collection[Role]) -> None:
    """403 `forbidden_role` unless one of the person's roles is allowed."""
    if not person.roles & set(allowed):
        roles = ", ".join(sorted(r.value for r in person.roles))
        raise Problem(403, "forbidden_role", "Недостаточно прав",
                      f"Роли «{roles}» не дают доступа к этой операции")
