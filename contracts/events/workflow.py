"""Answer, rating, reopening and closing: written by the routing service."""

from __future__ import annotations

from pydantic import Field

from contracts.envelope import Contract
from contracts.vocabulary import ClosingReason, ReworkCriterion


class AnswerDrafted(Contract):
    draft_id: str
    executor_id: str
    text: str = Field(min_length=1)
    attachments: int = Field(default=0, ge=0)


class AnswerSentForApproval(Contract):
    draft_id: str
    approver_id: str | None = None


class AnswerApproved(Contract):
    draft_id: str
    approver_id: str


class AnswerReturnedForRework(Contract):
    draft_id: str
    approver_id: str
    criteria: tuple[ReworkCriterion, ...] = Field(min_length=1)
    comment: str | None = None


class AnswerPublished(Contract):
    """The approved answer reached the applicant."""

    draft_id: str
    recipient_id: str
    executor_id: str


SATISFIED_FROM = 4  # ПОС counts 4 and 5 as «удовлетворён»


def is_satisfied(score: int) -> bool:
    """Whether an applicant's score means «удовлетворён»: the one definition of it."""
    return score >= SATISFIED_FROM


class AppealRatedV1(Contract):
    """Applicant's rating as first published: a score only."""

    score: int = Field(ge=1, le=5)


class AppealRated(Contract):
    """Applicant's rating; v2 states satisfaction explicitly and keeps the comment."""

    score: int = Field(ge=1, le=5)
    satisfied: bool
    comment: str | None = None


class AppealReopened(Contract):
    """Reopened after a negative rating or a repeat: counts as repeat."""

    reason: str = Field(min_length=1)
    counts_as_repeat: bool = True


class AppealClosed(Contract):
    reason: ClosingReason


class AppealLeftWithoutAnswer(Contract):
    """The law allows no answer (e.g. 59-ФЗ art. 11); the ground is named."""

    legal_ground: str = Field(min_length=1)
