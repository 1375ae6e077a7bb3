"""Reads the policy file (YAML) into the pure Policy, schedule and staff contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.vocabulary import DeadlineStage, Kind, Role
from kit.reference_files import ReferenceFileError, check_zone, load_yaml, problems
from services.sla.domain.policy import EscalationStep, Policy, TermRule
from services.sla.domain.schedule import WorkSchedule
from services.sla.domain.terms import Term, TermError

SHIPPED_POLICY = Path(__file__).resolve().parents[1] / "data" / "policy.yaml"


class PolicyFileError(ReferenceFileError):
    code = "invalid_policy"


def _term(value: str) -> Term:
    try:
        return Term.parse(str(value))
    except TermError as exc:
        raise ValueError(str(exc)) from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Extension(_Strict):
    max: str
    times: int = Field(ge=1)


class _Rule(_Strict):
    id: str = Field(min_length=1)
    stage: DeadlineStage
    term: str
    kind: Kind | None = None
    channels: list[str] | None = None
    topics: list[str] | None = None
    extension: _Extension | None = None

    @field_validator("term")
    @classmethod
    def _valid_term(cls, v: str) -> str:
        _term(v)
        return v


class _Step(_Strict):
    level: int = Field(ge=1)
    role: Role
    after: str | None = None


class _Schedule(_Strict):
    start: time = time(9)
    end: time = time(18)
    lunch: tuple[time, time] | None = None


class _Contact(_Strict):
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class _People(_Strict):
    mcu_head: str | None = None
    block_curators: dict[str, str] = {}


class _File(_Strict):
    municipality: str
    timezone: str
    schedule: _Schedule = _Schedule()
    terms: list[_Rule] = Field(min_length=1)
    reminders: dict[str, list[str]] = {}
    escalation: dict[str, list[_Step]] = {}
    people: _People = _People()
    contacts: dict[str, _Contact] = {}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


@dataclass(frozen=True)
class LoadedPolicy:
    municipality: str
    policy: Policy
    schedule: WorkSchedule
    contacts: dict[str, Contact]


def parse(text: str, source: str = "политика") -> LoadedPolicy:
    try:
        raw = _File.model_validate(load_yaml(text, source, PolicyFileError))
        policy = Policy(
            rules=tuple(TermRule(
                id=r.id, stage=r.stage, term=_term(r.term), kind=r.kind,
                channels=frozenset(r.channels) if r.channels else None,
                topics=frozenset(r.topics) if r.topics else None,
                max_extension=_term(r.extension.max) if r.extension else None,
                max_extensions=r.extension.times if r.extension else 0) for r in raw.terms),
            reminders_days=tuple(_term(t) for t in raw.reminders.get("days", [])),
            reminders_hours=tuple(_term(t) for t in raw.reminders.get("hours", [])),
            ladder_days=tuple(_steps(raw.escalation.get("days", []))),
            ladder_hours=tuple(_steps(raw.escalation.get("hours", []))),
            mcu_head=raw.people.mcu_head, block_curators=dict(raw.people.block_curators))
        schedule = WorkSchedule(ZoneInfo(raw.timezone), raw.schedule.start, raw.schedule.end,
                                raw.schedule.lunch)
    except ValidationError as exc:
        raise PolicyFileError(source, problems(exc)) from None
    except ValueError as exc:
        if isinstance(exc, PolicyFileError):
            raise
        raise PolicyFileError(source, [str(exc)]) from None
    return LoadedPolicy(raw.municipality, policy, schedule,
                        {k: Contact(c.name, c.email) for k, c in raw.contacts.items()})


def _steps(steps: list[_Step]) -> list[EscalationStep]:
    return [EscalationStep(s.level, s.role, _term(s.after) if s.after else None)
            for s in sorted(steps, key=lambda s: s.level)]


def load(path: Path = SHIPPED_POLICY) -> LoadedPolicy:
    return parse(path.read_text(encoding="utf-8"), str(path))
