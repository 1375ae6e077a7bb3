"""Deadline policies: which term applies, when to remind, how to escalate (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.vocabulary import DeadlineStage, Kind, Role, TermUnit
from services.sla.domain.terms import Term


@dataclass(frozen=True)
class TermRule:
    """A term for appeals matching every given condition (None = any)."""

    id: str
    stage: DeadlineStage
    term: Term
    kind: Kind | None = None
    channels: frozenset[str] | None = None
    topics: frozenset[str] | None = None
    max_extension: Term | None = None
    max_extensions: int = 0

    def matches(self, kind: Kind, channel: str, topic: str | None) -> bool:
        return ((self.kind is None or self.kind == kind)
                and (self.channels is None or channel in self.channels)
                and (self.topics is None or topic in self.topics))

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.kind, self.channels, self.topics))


PER_APPEAL = frozenset({Role.EXECUTOR, Role.APPROVER})  # whom routing assigned to the appeal


@dataclass(frozen=True)
class EscalationStep:
    level: int
    role: Role
    after: Term | None  # None: at the due moment itself


@dataclass(frozen=True)
class Policy:
    rules: tuple[TermRule, ...]
    reminders_days: tuple[Term, ...]
    reminders_hours: tuple[Term, ...]
    ladder_days: tuple[EscalationStep, ...]
    ladder_hours: tuple[EscalationStep, ...]
    revision: str = ""  # digest of the file's data (kit.revisions): a DeadlineSet names it

    def terms_for(self, kind: Kind, channel: str, topic: str | None) -> list[TermRule]:
        """One rule per stage: the most specific match; among equals, the later one."""
        chosen: dict[DeadlineStage, tuple[int, int, TermRule]] = {}
        for order, rule in enumerate(self.rules):
            if rule.matches(kind, channel, topic):
                rank = (rule.specificity, order)
                if rule.stage not in chosen or rank > chosen[rule.stage][:2]:
                    chosen[rule.stage] = (*rank, rule)
        return [entry[2] for entry in chosen.values()]

    def rule(self, rule_id: str) -> TermRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def reminders_for(self, term: Term) -> tuple[Term, ...]:
        return self.reminders_hours if term.unit is TermUnit.WORKING_HOURS else self.reminders_days

    def ladder_for(self, term: Term) -> tuple[EscalationStep, ...]:
        return self.ladder_hours if term.unit is TermUnit.WORKING_HOURS else self.ladder_days
