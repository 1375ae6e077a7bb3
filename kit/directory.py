"""The municipality's directory: organisations, thematic blocks, people with roles and API
tokens. Routing routes by it; every staff HTTP door (routing, SLA, analytics, the intake
vault) knows its caller by it. The file is YAML the administrator edits
(`MCU_ROUTING_DIRECTORY`). It is the one owner of people: their contacts, the blocks' curators,
the MCU head, and of the municipality's time zone; policies name roles, never people."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from contracts.vocabulary import Channel, Role
from kit.reference_files import ReferenceFileError, Strict, check_zone, load_yaml
from kit.reference_files import problems as problems_of
from kit.validation import EMAIL

SHIPPED_DIRECTORY = (Path(__file__).resolve().parent / "data" / "demo" / "konstantinovsky"
                     / "directory.yaml")  # the demo deployment's first municipality

DEFAULT_ID = "municipality"  # a directory that names no id (one municipality, no deployment)
MCU = "mcu"  # the MCU itself: its coordinators' queue receives what no autorule routes


def token_digest(token: str) -> str:
    """What the directory keeps of a staff token (its SHA-256), and looks it up by."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    kind: str  # administration | department | institution | settlement | mcu
    parent: str | None = None
    territory: str | None = None
    address: str | None = None  # postal address: the letterhead of its official answers

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
    token_expires: date | None = None  # the token opens no door after this day (UTC)
    channels: frozenset[str] = frozenset()  # a channel's integration: the channels it speaks for
    municipality: str | None = None  # whose staff: None for a region's or the deployment's
    region: str | None = None
    position: str | None = None  # должность: under the signature of an official answer

    def token_expired(self, today: date) -> bool:
        return self.token_expires is not None and today > self.token_expires


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
    id: str = DEFAULT_ID  # the municipality's id in the deployment (and on every event)
    region: str = ""

    @cached_property
    def _by_token_sha256(self) -> dict[str, Person]:
        return {p.token_sha256: p for p in self.people.values() if p.token_sha256}

    def person_by_token(self, token: str) -> Person | None:
        return self._by_token_sha256.get(token_digest(token))

    @cached_property
    def mcu_head(self) -> Person | None:
        """The MCU head (руководитель МЦУ): decides disputes, tops every escalation."""
        found = self.holders(Role.MCU_HEAD)
        return found[0] if found else None

    def holders(self, role: Role) -> list[Person]:
        """Everyone with the role, in the order of their ids."""
        return sorted((p for p in self.people.values() if role in p.roles), key=lambda p: p.id)

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


# -- the file ---------------------------------------------------------------------------
class _Org(Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: Literal["mcu", "administration", "department", "institution", "settlement"]
    parent: str | None = None
    territory: str | None = None
    address: str | None = Field(default=None, max_length=300,
                                description="Почтовый адрес: бланк официальных ответов")


class _Person(Strict):
    id: str = Field(min_length=1)
    name: str
    organization: str
    roles: list[Role] = Field(min_length=1)
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL,
                              description="Служебная почта для уведомлений о сроках")
    token_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    token_expires: date | None = None
    channels: list[Channel] = Field(default=[], description="Для интеграции канала (роль"
                                    " applicant): чьи обращения она оценивает")
    position: str | None = Field(default=None, max_length=200,
                                 description="Должность: подпись под официальным ответом")


class _Block(Strict):
    curator: str | None = None
    lead: str | None = None


class _DirectoryFile(Strict):
    id: str = Field(default=DEFAULT_ID, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    municipality: str
    timezone: str
    organizations: list[_Org]
    blocks: dict[str, _Block] = {}
    people: list[_Person]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


def parse_directory(data: object, source: str = "справочник", *,
                    municipality_id: str | None = None, region: str = "") -> Directory:
    """The directory from the file's parsed YAML, every problem named in Russian; in a
    deployment, `municipality_id` and `region` are the tree's (a file's own id must agree)."""
    if municipality_id and isinstance(data, dict):
        if data.get("id", municipality_id) != municipality_id:
            raise ReferenceFileError(source, [f"id: {data['id']!r} расходится с файлом "
                                              f"развёртывания ({municipality_id})"])
        data = {**data, "id": municipality_id}
    try:
        raw = _DirectoryFile.model_validate(data)
    except ValidationError as exc:
        raise ReferenceFileError(source, problems_of(exc)) from None
    orgs = {o.id: Organization(o.id, o.name, o.kind, o.parent, o.territory, o.address)
            for o in raw.organizations}
    people = {p.id: Person(p.id, p.name, p.organization, frozenset(p.roles), p.email,
                           p.token_sha256, p.token_expires,
                           frozenset(c.value for c in p.channels), raw.id, region or None,
                           p.position)
              for p in raw.people}
    found = [f"организация {o.id}: неизвестная вышестоящая {o.parent}"
             for o in orgs.values() if o.parent and o.parent not in orgs]
    found += _cycles(orgs)
    found += [f"сотрудник {p.id}: неизвестная организация {p.organization}"
              for p in people.values() if p.organization not in orgs]
    found += [f"организация {MCU}: в справочнике нет самого МЦУ (вид mcu) — очередь "
              "координаторов МЦУ получает то, что не разобрали авторубрики"
              ] if orgs.get(MCU, Organization(MCU, "", "")).kind != "mcu" else []
    found += [f"сотрудник {p.id}: у интеграции канала (роль applicant) не указаны channels"
              for p in people.values() if Role.APPLICANT in p.roles and not p.channels]
    found += [f"блок «{name}»: неизвестный сотрудник {who}"
              for name, b in raw.blocks.items() for who in (b.curator, b.lead)
              if who and who not in people]
    if len(orgs) != len(raw.organizations) or len(people) != len(raw.people):
        found.append("идентификаторы организаций и сотрудников должны быть уникальны")
    if found:
        raise ReferenceFileError(source, found)
    return Directory(raw.municipality, raw.timezone, orgs, people,
                     {name: Block(name, b.curator, b.lead) for name, b in raw.blocks.items()},
                     raw.id, region)


def _cycles(orgs: dict[str, Organization]) -> list[str]:
    """Each chain of parents that comes back to itself, named once (a cycle would make
    every "is under" question loop forever)."""
    found, reported = [], set()
    for start in orgs:
        chain, current = [], start
        while current in orgs and current not in chain:
            chain.append(current)
            current = orgs[current].parent
        if current in chain:
            loop = chain[chain.index(current):]
            if not reported & set(loop):
                reported |= set(loop)
                found.append("цикл подчинения: " + " → ".join([*loop, current]))
    return found


def load_directory(path: Path = SHIPPED_DIRECTORY) -> tuple[Directory, dict]:
    """The directory and the file's data as read (routing records its revisions)."""
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    return parse_directory(data, str(path)), data
