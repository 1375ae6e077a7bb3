"""The directory and autorule files (YAML): parsing, validation, shipped demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.vocabulary import Role
from kit.reference_files import ReferenceFileError, check_zone, load_yaml
from kit.reference_files import problems as problems_of
from services.routing.domain.autorules import Rule, RuleBook
from services.routing.domain.directory import Block, Directory, Organization, Person

DATA = Path(__file__).resolve().parents[1] / "data"
SHIPPED_DIRECTORY = DATA / "directory.yaml"
SHIPPED_RULES = DATA / "autorules.yaml"




class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Org(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: Literal["mcu", "administration", "department", "institution", "settlement"]
    parent: str | None = None
    territory: str | None = None


class _Person(_Strict):
    id: str = Field(min_length=1)
    name: str
    organization: str
    roles: list[Role] = Field(min_length=1)
    email: str | None = None
    token_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class _Block(_Strict):
    curator: str | None = None
    lead: str | None = None


class _DirectoryFile(_Strict):
    municipality: str
    timezone: str
    organizations: list[_Org]
    blocks: dict[str, _Block] = {}
    people: list[_Person]

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


class _Rule(_Strict):
    id: str = Field(min_length=1)
    recipient: str
    executor: str | None = None
    topics: list[str] | None = None
    blocks: list[str] | None = None
    territories: list[str] | None = None
    channels: list[str] | None = None
    kinds: list[str] | None = None
    keywords: list[str] | None = None


class _RulesFile(_Strict):
    rules: list[_Rule]


def parse_directory(text: str, source: str = "справочник") -> Directory:
    try:
        raw = _DirectoryFile.model_validate(load_yaml(text, source))
    except ValidationError as exc:
        raise ReferenceFileError(source, problems_of(exc)) from None
    orgs = {o.id: Organization(o.id, o.name, o.kind, o.parent, o.territory)
            for o in raw.organizations}
    people = {p.id: Person(p.id, p.name, p.organization, frozenset(p.roles), p.email,
                           p.token_sha256) for p in raw.people}
    found = [f"организация {o.id}: неизвестная вышестоящая {o.parent}"
                for o in orgs.values() if o.parent and o.parent not in orgs]
    found += [f"сотрудник {p.id}: неизвестная организация {p.organization}"
                 for p in people.values() if p.organization not in orgs]
    found += [f"блок «{name}»: неизвестный сотрудник {who}"
                 for name, b in raw.blocks.items() for who in (b.curator, b.lead)
                 if who and who not in people]
    if len(orgs) != len(raw.organizations) or len(people) != len(raw.people):
        found.append("идентификаторы организаций и сотрудников должны быть уникальны")
    if found:
        raise ReferenceFileError(source, found)
    return Directory(raw.municipality, raw.timezone, orgs, people,
                     {name: Block(name, b.curator, b.lead) for name, b in raw.blocks.items()})


def parse_rules(text: str, directory: Directory, version: int = 1,
                source: str = "автоправила") -> RuleBook:
    try:
        raw = _RulesFile.model_validate(load_yaml(text, source))
    except ValidationError as exc:
        raise ReferenceFileError(source, problems_of(exc)) from None
    found = []
    for r in raw.rules:
        if r.recipient not in directory.organizations:
            found.append(f"правило {r.id}: неизвестный получатель {r.recipient}")
        if r.executor and (r.executor not in directory.people
                           or Role.EXECUTOR not in directory.people[r.executor].roles):
            found.append(f"правило {r.id}: {r.executor} не исполнитель из справочника")
    if len({r.id for r in raw.rules}) != len(raw.rules):
        found.append("идентификаторы правил должны быть уникальны")
    if found:
        raise ReferenceFileError(source, found)

    def opt(values: list[str] | None) -> frozenset[str] | None:
        return frozenset(values) if values else None

    return RuleBook(tuple(Rule(
        r.id, r.recipient, r.executor, opt(r.topics), opt(r.blocks), opt(r.territories),
        opt(r.channels), opt(r.kinds), tuple(r.keywords) if r.keywords else None)
        for r in raw.rules), version)


def load_directory(path: Path = SHIPPED_DIRECTORY) -> tuple[Directory, dict]:
    text = path.read_text(encoding="utf-8")
    return parse_directory(text, str(path)), yaml.safe_load(text)


def load_rules(directory: Directory, path: Path = SHIPPED_RULES) -> tuple[RuleBook, dict]:
    text = path.read_text(encoding="utf-8")
    return parse_rules(text, directory, source=str(path)), yaml.safe_load(text)
