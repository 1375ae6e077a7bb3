"""The autorule dry run: had this rule set been in force, where would the appeals of the
last days have gone? Each appeal's facts (as staff last corrected them) decided by the
candidate rules, against where the rules in force sent it and where staff finally put
it. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from services.routing.domain.autorules import AppealFacts, RuleBook


@dataclass(frozen=True)
class Moved:
    appeal_id: UUID
    subject: str
    routed_to: str  # where the rules in force sent it at registration
    now_with: str  # where it is now (after staff's reroutes, returns, disputes)
    would_go_to: str  # where the candidate rules send it
    rule_id: str | None
    reason: str

    @property
    def fixes(self) -> bool:
        """The candidate sends it straight to where staff had to move it."""
        return self.would_go_to == self.now_with != self.routed_to

    @property
    def breaks(self) -> bool:
        """It was sent right and stayed; the candidate would send it elsewhere."""
        return self.routed_to == self.now_with != self.would_go_to


@dataclass
class DryRun:
    appeals: int = 0
    moved: list[Moved] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(m.fixes for m in self.moved)

    @property
    def broken(self) -> int:
        return sum(m.breaks for m in self.moved)


def dry_run(appeals: Iterable[tuple[UUID, AppealFacts, str, str, str]],
            candidate: RuleBook) -> DryRun:
    """`appeals`: (id, facts, subject, where the rules sent it, where it is now)."""
    found = DryRun()
    for appeal_id, facts, subject, routed_to, now_with in appeals:
        found.appeals += 1
        decision = candidate.decide(facts)
        if decision.recipient != routed_to:
            found.moved.append(Moved(appeal_id, subject, routed_to, now_with,
                                     decision.recipient, decision.rule_id, decision.reason))
    return found
