"""Reads the policy file (YAML) into the pure Policy and the working schedule.

The policy names roles, never people: who holds a role (the MCU head, a block's curator),
their e-mail and the municipality's time zone belong to the staff directory, so a policy
that still lists `people`, `contacts` or `timezone` is refused with a message saying where
they went. `staffing_problems` checks a policy against the directory it will run with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.vocabulary import DeadlineStage, Kind, Role
from kit.directory import Directory
from kit.revisions import digest
from kit.reference_files import ReferenceFileError, load_yaml, problems
from services.sla.domain.policy import PER_APPEAL, EscalationStep, Policy, TermRule
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


MOVED_TO_DIRECTORY = {
    "people": "кто руководитель МЦУ и кураторы блоков, задаётся в справочнике сотрудников "
              "(MCU_ROUTING_DIRECTORY: роль mcu_head, blocks.<блок>.curator)",
    "contacts": "почта сотрудников задаётся в справочнике (MCU_ROUTING_DIRECTORY: email)",
    "timezone": "часовой пояс муниципалитета задаётся в справочнике (MCU_ROUTING_DIRECTORY: "
                "timezone)",
    "municipality": "название муниципалитета задаётся в справочнике (MCU_ROUTING_DIRECTORY)",
}


class _File(_Strict):
    schedule: _Schedule = _Schedule()
    terms: list[_Rule] = Field(min_length=1)
    reminders: dict[str, list[str]] = {}
    escalation: dict[str, list[_Step]] = {}


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    schedule: WorkSchedule
    data: dict  # the file as read: recorded as the policy's revision


def parse(text: str, zone: ZoneInfo, source: str = "политика") -> LoadedPolicy:
    """The policy, its schedule in the municipality's zone (the directory's)."""
    return parse_data(load_yaml(text, source, PolicyFileError), zone, source)


def parse_data(data: object, zone: ZoneInfo, source: str = "политика") -> LoadedPolicy:
    """The policy from the file's data as read (or as a revision recorded it)."""
    if isinstance(data, dict) and (moved := [k for k in MOVED_TO_DIRECTORY if k in data]):
        raise PolicyFileError(source, [f"{k}: больше не часть политики — {MOVED_TO_DIRECTORY[k]}"
                                       for k in moved])
    try:
        raw = _File.model_validate(data)
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
            revision=digest(data))
        schedule = WorkSchedule(zone, raw.schedule.start, raw.schedule.end, raw.schedule.lunch)
    except ValidationError as exc:
        raise PolicyFileError(source, problems(exc)) from None
    except ValueError as exc:
        if isinstance(exc, PolicyFileError):
            raise
        raise PolicyFileError(source, [str(exc)]) from None
    return LoadedPolicy(policy, schedule, data)


def _steps(steps: list[_Step]) -> list[EscalationStep]:
    return [EscalationStep(s.level, s.role, _term(s.after) if s.after else None)
            for s in sorted(steps, key=lambda s: s.level)]


def load(path: Path, zone: ZoneInfo) -> LoadedPolicy:
    return parse(path.read_text(encoding="utf-8"), zone, str(path))


def staffing_problems(policy: Policy, directory: Directory) -> list[str]:
    """What the policy's escalation asks of the directory and the directory lacks: a
    notice escalated to a role nobody holds reaches nobody."""
    found = []
    for role in sorted({s.role for s in (*policy.ladder_days, *policy.ladder_hours)}):
        if role in PER_APPEAL:
            continue  # the appeal's own executor and approver, as routing assigns them
        if role is Role.BLOCK_CURATOR:
            found += [f"эскалация на куратора блока: у блока «{b.name}» в справочнике нет "
                      "куратора" for b in directory.blocks.values() if not b.curator]
        elif not directory.holders(role):
            found.append(f"эскалация на роль {role.value}: в справочнике нет сотрудника с "
                         "этой ролью")
    return found
