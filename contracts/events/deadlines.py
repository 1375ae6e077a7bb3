"""Deadlines, reminders, overdue and escalation: written by the SLA service."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from contracts.envelope import Contract
from contracts.vocabulary import DeadlineStage, Role, TermUnit


class Term(Contract):
    amount: int = Field(ge=1)
    unit: TermUnit


class DeadlineSet(Contract):
    stage: DeadlineStage
    due_at: AwareDatetime
    term: Term
    policy_id: str = Field(min_length=1, description="Policy rule that gave the term")
    basis: str = Field(min_length=1, description="Why: registration, kind change, reopening")
    counted_from: AwareDatetime | None = Field(
        default=None, description="The moment the term runs from (receipt, registration or "
        "reopening); since contracts 1.4.0")
    policy_revision: str | None = Field(
        default=None, max_length=64, description="Digest of the deadline policy file the rule "
        "`policy_id` was read from; since contracts 1.4.0")
    calendar_revision: str | None = Field(
        default=None, max_length=64, description="Digest of the production calendar (with "
        "the region's overlay) the due moment was computed on: the SLA service recomputes "
        "the deadline with it on an auditor's request; since contracts 1.4.0")


class DeadlineExtended(Contract):
    stage: DeadlineStage
    previous_due_at: AwareDatetime
    due_at: AwareDatetime
    reason: str = Field(min_length=1)


class DeadlinePaused(Contract):
    stage: DeadlineStage
    reason: str = Field(min_length=1)


class DeadlineResumed(Contract):
    stage: DeadlineStage
    due_at: AwareDatetime = Field(description="Due moment moved by the paused time")
    paused_seconds: int = Field(ge=0)


class DeadlineStopped(Contract):
    stage: DeadlineStage
    met: bool = Field(description="Stopped before the due moment")


class DeadlineReminderIssued(Contract):
    stage: DeadlineStage
    due_at: AwareDatetime
    remind_before: str = Field(description="Offset before the due moment as a term: 2wd, 1wd, 2wh")
    recipients: tuple[str, ...] = ()


class DeadlineBreached(Contract):
    """Overdue: not answered by the due moment."""

    stage: DeadlineStage
    due_at: AwareDatetime


class AppealEscalated(Contract):
    stage: DeadlineStage
    level: int = Field(ge=1)
    to_role: Role
    to_person_id: str | None = None
    overdue_seconds: int = Field(ge=0)
