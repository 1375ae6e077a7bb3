"""The recipient directory: organisations, thematic blocks, people with roles (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from contracts.vocabulary import Role

MCU = "mcu"  # the MCU itself: its coordinators' queue receives what no autorule routes


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    kind: str  # administration | department | institution | settlement | mcu
    parent: str | None = None
    territory: str | None = None

    @property
    def subordinate(self) -> bool:
        """A settlement or institution with its own cabinet under the administration."""
        return self.kind in ("settlement", "institution")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    organization: str
    roles: frozenset[Role]
    email: str | None = None
    token_sha256: str | None = None


@dataclass(frozen=True)
class Block:
    name: str
    curator: str | None  # deputy head (куратор ИС ПОС по блоку)
    lead: str | None  # head of the block (руководитель отраслевого блока)


@dataclass(frozen=True)
class Directory:
    municipality: str
    timezone: str
    organizations: dict[str, Organization]
    people: dict[str, Person]
    blocks: dict[str, Block] = field(default_factory=dict)

    def person_by_token(self, token: str) -> Person | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        return next((p for p in self.people.values() if p.token_sha256 == digest), None)

    def with_role(self, organization: str, role: Role) -> list[Person]:
        return [p for p in self.people.values() if p.organization == organization and role in p.roles]

    def approver_for(self, organization: str) -> Person | None:
        found = self.with_role(organization, Role.APPROVER)
        return found[0] if found else None

    def parent_of(self, organization: str) -> str | None:
        org = self.organizations.get(organization)
        return org.parent if org else None

    def is_under(self, organization: str, ancestor: str) -> bool:
        current: str | None = organization
        while current is not None:
            if current == ancestor:
                return True
            current = self.parent_of(current)
        return False
