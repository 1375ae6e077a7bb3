"""A regional deployment: the tree deployment → region (ЦУР) → municipality (МЦУ) → the
municipality's own organisations (its directory file), and who may see which part of it.

The deployment file (`MCU_DEPLOYMENT`, YAML) names the regions with their defaults (time
zone, regional calendar overlay, SLA policy), the municipalities with their own files
(directory, autorules, policy), the channel identifiers that say which municipality an
incoming item belongs to, and the regional and deployment staff. Each municipality's
directory stays the one owner of its people; person ids are unique across the deployment
(events name people by id), organisation ids only within their municipality.

Without `MCU_DEPLOYMENT` a deployment of one municipality is made of `MCU_ROUTING_DIRECTORY`
(and the other single-municipality settings), as before tenancy.
"""

from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from contracts.vocabulary import Role
from kit.directory import Directory, Person, parse_directory, token_digest
from kit.reference_files import ReferenceFileError, Strict, check_zone, load_yaml
from kit.reference_files import problems as problems_of
from kit.validation import EMAIL

SHIPPED_DEPLOYMENT = Path(__file__).resolve().parent / "data" / "demo" / "deployment.yaml"

REGIONAL_ROLES = frozenset({Role.REGIONAL_CURATOR, Role.REGIONAL_ANALYST,
                            Role.REGIONAL_AUDITOR})
SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"


class UnknownMunicipality(KeyError):
    def __init__(self, municipality_id: str | None):
        super().__init__(f"муниципалитета «{municipality_id}» нет в этом развёртывании "
                         "(MCU_DEPLOYMENT)")


@dataclass(frozen=True)
class ChannelIds:
    """How an item of each channel names its municipality (issue: never guessed)."""

    pos: frozenset[str] = frozenset()  # ПОС ids of the recipient organisations
    incident: frozenset[str] = frozenset()  # «Инцидент Менеджмент»'s municipality column
    email: frozenset[str] = frozenset()  # receiving mailboxes, lowercased
    open311: str | None = None  # GeoReport v2 jurisdiction_id


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    timezone: str
    calendar: str | None = None  # the regional overlay's name in the calendar directory
    policy: Path | None = None  # the region's default SLA policy


@dataclass(frozen=True)
class Municipality:
    id: str
    name: str
    region: str
    timezone: str
    directory: Directory
    directory_data: dict
    population: int | None = None
    channels: ChannelIds = ChannelIds()
    autorules: Path | None = None
    policy: Path | None = None  # own policy, else the region's, else the shipped one
    calendar: str | None = None  # the region's overlay
    directory_file: Path | None = None  # where its people are kept (`mcu staff` writes it)


@dataclass(frozen=True)
class Deployment:
    name: str
    regions: dict[str, Region]
    municipalities: dict[str, Municipality]
    staff: dict[str, Person] = field(default_factory=dict)  # regional and deployment staff
    legacy_municipality: str = ""  # events written before tenancy belong to it
    source: Path | None = None

    # -- people ---------------------------------------------------------------------------
    @cached_property
    def people(self) -> dict[str, Person]:
        """Everyone, by id: each municipality's staff and the deployment's own."""
        found = dict(self.staff)
        for m in self.municipalities.values():
            found.update(m.directory.people)
        return found

    @cached_property
    def _by_token_sha256(self) -> dict[str, Person]:
        return {p.token_sha256: p for p in self.people.values() if p.token_sha256}

    def person_by_token(self, token: str) -> Person | None:
        return self._by_token_sha256.get(token_digest(token))

    # -- the tree -------------------------------------------------------------------------
    def municipality(self, municipality_id: str | None) -> Municipality:
        """The municipality by id; None (an event written before tenancy) is the legacy
        one. UnknownMunicipality for an id the deployment does not have (an event of
        another deployment's log: its consumer dead-letters it with this reason)."""
        try:
            return self.municipalities[municipality_id or self.legacy_municipality]
        except KeyError:
            raise UnknownMunicipality(municipality_id) from None

    def directory_of(self, municipality_id: str | None) -> Directory:
        return self.municipality(municipality_id).directory

    def region_of(self, municipality_id: str | None) -> Region:
        return self.regions[self.municipality(municipality_id).region]

    def reach(self, person: Person) -> frozenset[str]:
        """The municipalities whose appeals the person may see: their own; a region's
        staff, the region's; the deployment's administrators, none (they manage the tree,
        not appeals)."""
        if person.municipality is not None:
            return frozenset({person.municipality})
        if person.region is not None:
            return frozenset(m.id for m in self.municipalities.values()
                             if m.region == person.region)
        return frozenset()

    def reaches(self, person: Person, municipality_id: str | None) -> bool:
        return (municipality_id or self.legacy_municipality) in self.reach(person)

    def revision_name(self, kind: str, municipality_id: str) -> str:
        """The name a municipality's reference file is recorded under (the legacy one keeps
        the name it had before tenancy, so its revisions go on counting)."""
        return kind if municipality_id == self.legacy_municipality else f"{kind}/{municipality_id}"

    # -- channels -------------------------------------------------------------------------
    @cached_property
    def _channel_index(self) -> dict[tuple[str, str], str]:
        index: dict[tuple[str, str], str] = {}
        for m in self.municipalities.values():
            c = m.channels
            index.update({("pos", i): m.id for i in c.pos})
            index.update({("incident", _norm(i)): m.id for i in c.incident})
            index.update({("email", i.lower()): m.id for i in c.email})
            if c.open311:
                index[("open311", c.open311)] = m.id
        return index

    def by_channel(self, channel: Literal["pos", "incident", "email", "open311"],
                   identifier: str | None) -> str | None:
        """The municipality an incoming item names, or None: the caller refuses it."""
        if not identifier:
            return None
        key = identifier.lower() if channel == "email" else identifier
        key = _norm(key) if channel == "incident" else key.strip()
        return self._channel_index.get((channel, key))

    @property
    def single(self) -> Municipality | None:
        """The municipality, when the deployment has only one (items need not name it)."""
        return next(iter(self.municipalities.values())) if len(self.municipalities) == 1 \
            else None


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("ё", "е").split())


# -- the file ---------------------------------------------------------------------------
class _Region(Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    timezone: str
    calendar: str | None = Field(default=None, pattern=SLUG,
                                 description="Региональный календарь (файл <имя>-<год>.yaml)")
    policy: Path | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


class _Channels(Strict):
    pos: list[str] = []
    incident: list[str] = []
    email: list[str] = []
    open311: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("email")
    @classmethod
    def _mailboxes(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.fullmatch(EMAIL, v)]
        if bad:
            raise ValueError(f"не адрес электронной почты: {', '.join(bad)}")
        return value


class _Municipality(Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    region: str
    timezone: str | None = None
    population: int | None = Field(default=None, ge=1)
    directory: Path
    autorules: Path | None = None
    policy: Path | None = None
    channels: _Channels = _Channels()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return check_zone(value) if value else value


class _Staff(Strict):
    id: str = Field(min_length=1)
    name: str
    region: str | None = None
    roles: list[Role] = Field(min_length=1)
    email: str | None = Field(default=None, max_length=200, pattern=EMAIL)
    token_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    token_expires: date | None = None  # the token opens no door after this day (UTC)


class _DeploymentFile(Strict):
    name: str = Field(min_length=1)
    legacy_municipality: str | None = None
    regions: list[_Region] = Field(min_length=1)
    municipalities: list[_Municipality] = Field(min_length=1)
    staff: list[_Staff] = []


STAFF_ROLES = REGIONAL_ROLES | {Role.DEPLOYMENT_ADMINISTRATOR}


def parse_deployment(data: object, base: Path, source: str = "развёртывание") -> Deployment:
    """The deployment from its file's YAML; each municipality's directory is read from
    its own file (relative to the deployment file). Every problem is named in Russian."""
    try:
        raw = _DeploymentFile.model_validate(data)
    except ValidationError as exc:
        raise ReferenceFileError(source, problems_of(exc)) from None
    regions = {r.id: Region(r.id, r.name, r.timezone, r.calendar,
                            base / r.policy if r.policy else None) for r in raw.regions}
    found: list[str] = []
    if len(regions) != len(raw.regions):
        found.append("идентификаторы регионов должны быть уникальны")
    municipalities: dict[str, Municipality] = {}
    for m in raw.municipalities:
        if m.id in municipalities:
            found.append(f"муниципалитет {m.id} указан дважды")
            continue
        region = regions.get(m.region)
        if region is None:
            found.append(f"муниципалитет {m.id}: неизвестный регион {m.region}")
            continue
        try:
            municipalities[m.id] = _municipality(m, region, base)
        except ReferenceFileError as exc:
            found.append(str(exc))
        except OSError as exc:
            found.append(f"муниципалитет {m.id}: не удалось прочитать {base / m.directory}:"
                         f" {exc.strerror}")
    staff = {s.id: Person(s.id, s.name, "", frozenset(s.roles), s.email, s.token_sha256,
                          s.token_expires, region=s.region) for s in raw.staff}
    for s in raw.staff:
        if s.region is not None and s.region not in regions:
            found.append(f"сотрудник {s.id}: неизвестный регион {s.region}")
        if not set(s.roles) <= STAFF_ROLES:
            found.append(f"сотрудник {s.id}: на уровне развёртывания допустимы только роли "
                         + ", ".join(sorted(r.value for r in STAFF_ROLES)))
        if (s.region is None) != (set(s.roles) <= {Role.DEPLOYMENT_ADMINISTRATOR}):
            found.append(f"сотрудник {s.id}: региональные роли требуют region, "
                         "администратор развёртывания — без region")
    found += _clashes(municipalities, staff)
    legacy = raw.legacy_municipality or raw.municipalities[0].id
    if legacy not in municipalities and not found:
        found.append(f"legacy_municipality: нет муниципалитета {legacy}")
    if found:
        raise ReferenceFileError(source, found)
    return Deployment(raw.name, regions, municipalities, staff, legacy)


def _municipality(m: _Municipality, region: Region, base: Path) -> Municipality:
    path = base / m.directory
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    zone = m.timezone or region.timezone
    directory, data = municipal_directory(data, str(path), m.id, m.name, zone, region.id)
    c = m.channels
    return Municipality(
        m.id, m.name, region.id, zone, directory, data, m.population,
        ChannelIds(frozenset(c.pos), frozenset(c.incident),
                   frozenset(e.lower() for e in c.email), c.open311),
        base / m.autorules if m.autorules else None,
        base / m.policy if m.policy else region.policy, region.calendar, path)


def municipal_directory(data: object, source: str, municipality_id: str, name: str,
                        zone: str, region: str) -> tuple[Directory, object]:
    """A municipality's directory read in its place in the tree: its name and zone are the
    deployment file's (a file that says otherwise is refused), its id and region too."""
    if isinstance(data, dict):
        given = {k: data.get(k) for k in ("municipality", "timezone") if data.get(k)}
        clash = [f"{k}: {v!r} расходится с файлом развёртывания"
                 for k, v in given.items() if v != {"municipality": name, "timezone": zone}[k]]
        if clash:
            raise ReferenceFileError(source, clash)
        data = {**data, "municipality": name, "timezone": zone}
    return parse_directory(data, source, municipality_id=municipality_id, region=region), data


def with_directory(deployment: Deployment, municipality_id: str, data: object,
                   source: str) -> Directory:
    """A candidate directory of one municipality, checked as the deployment file would
    check it: in its place in the tree, its person ids unique across the deployment."""
    m = deployment.municipality(municipality_id)
    directory, data = municipal_directory(data, source, m.id, m.name, m.timezone, m.region)
    candidate = {**deployment.municipalities, m.id: replace(m, directory=directory,
                                                            directory_data=data)}
    if found := _clashes(candidate, deployment.staff):
        raise ReferenceFileError(source, found)
    return directory


def _clashes(municipalities: dict[str, Municipality], staff: dict[str, Person]) -> list[str]:
    """A person id, a token or a channel identifier claimed twice across the tree."""
    found, owner = [], {pid: "развёртывание" for pid in staff}
    for m in municipalities.values():
        for pid in m.directory.people:
            if pid in owner:
                found.append(f"сотрудник {pid} есть и в «{owner[pid]}», и в «{m.name}»:"
                             " идентификаторы сотрудников уникальны во всём развёртывании")
            owner[pid] = m.name
    claims: dict[tuple[str, str], str] = {}
    for m in municipalities.values():
        c = m.channels
        for key in ([("pos", i) for i in c.pos] + [("incident", _norm(i)) for i in c.incident]
                    + [("email", i) for i in c.email]
                    + ([("open311", c.open311)] if c.open311 else [])):
            if key in claims and claims[key] != m.id:
                found.append(f"канал {key[0]} «{key[1]}» указан и у {claims[key]}, и у {m.id}")
            claims[key] = m.id
    return found


def load_deployment(path: Path = SHIPPED_DEPLOYMENT) -> Deployment:
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    return replace(parse_deployment(data, path.parent, str(path)), source=path)


def single(directory: Directory, data: dict, autorules: Path | None = None,
           policy: Path | None = None) -> Deployment:
    """A deployment of one municipality, from its directory alone (before tenancy)."""
    region = Region(directory.region or "region", directory.municipality, directory.timezone)
    m = Municipality(directory.id, directory.municipality, region.id, directory.timezone,
                     directory, data, autorules=autorules, policy=policy)
    return Deployment(directory.municipality, {region.id: region}, {m.id: m},
                      legacy_municipality=m.id)


# -- the deployment in force, reloaded -----------------------------------------------------
class LiveDeployment:
    """The deployment a running process uses, swapped whole when its files change
    (kit.reference_watch): the doors, their middleware and the applications hold this one
    object, so a new directory (people, tokens, organisations, blocks) is everyone's at
    once. The tree's shape (regions, municipalities, their zones and channels) changes
    only with a restart: analytics keeps days in each zone, intake maps channels."""

    def __init__(self, current: Deployment):
        self.current = current

    def __getattr__(self, name: str):
        return getattr(self.current, name)

    def checked(self, fresh: Deployment) -> Deployment:
        """`fresh` if it keeps the tree's shape, else the refusal saying what to do."""
        if _shape(fresh) != _shape(self.current):
            raise ReferenceFileError(str(fresh.source or "справочник"), [
                "изменилось дерево развёртывания (регионы, муниципалитеты, их часовые пояса,"
                " названия или каналы): такие изменения вступают в силу после перезапуска "
                "служб"])
        return fresh

    def swap(self, fresh: Deployment) -> None:
        """Put in force a deployment `checked` gave (checked before the service built what
        it derives from it, so nothing is swapped half-way)."""
        self.current = fresh


def live(deployment: Deployment | LiveDeployment) -> LiveDeployment:
    """The deployment as a running process holds it (one built in a test is wrapped)."""
    return deployment if isinstance(deployment, LiveDeployment) else LiveDeployment(deployment)


def _shape(d: Deployment) -> tuple:
    return ({r.id: (r.name, r.timezone, r.calendar) for r in d.regions.values()},
            {m.id: (m.name, m.region, m.timezone, m.channels, m.calendar)
             for m in d.municipalities.values()}, d.legacy_municipality)
