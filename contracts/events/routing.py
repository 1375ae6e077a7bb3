"""Routing, assignment and reclassification: written by the routing service."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from contracts.envelope import Contract
from contracts.events.registration import Classification
from contracts.vocabulary import ReturnedBy

Id = str


class AppealRouted(Contract):
    """The appeal was sent to a recipient (org unit), by an autorule or a coordinator."""

    recipient_id: Id
    rule_id: str | None = Field(default=None, description="Autorule that matched, if any")
    rule_version: int | None = None
    reason: str = Field(min_length=1, description="«почему сюда»")
    previous_recipient_id: Id | None = None


class AppealAssigned(Contract):
    """A coordinator gave the appeal to an executor or a subordinate recipient."""

    recipient_id: Id
    executor_id: Id | None = None
    subordinate_recipient_id: Id | None = None
    previous_executor_id: Id | None = None


class AppealReturned(Contract):
    """Returned as wrongly routed, with a reason and the competent recipient."""

    returned_by: ReturnedBy
    from_recipient_id: Id
    reason: str = Field(min_length=1)
    suggested_recipient_id: Id | None = None


class AppealDisputed(Contract):
    """Coordinator and executor disagree on competence: the MCU head decides."""

    dispute_id: str
    recipient_id: Id
    argument: str = Field(min_length=1)


class DisputeResolved(Contract):
    dispute_id: str
    decided_recipient_id: Id
    decision: str = Field(min_length=1)


class AppealPostponed(Contract):
    reason: str = Field(min_length=1)
    until: date


class AppealTransferred(Contract):
    """Sent outside the municipality to the competent body."""

    authority: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class AppealClassified(Contract):
    """Classification changed after registration: a coordinator's reclassification."""

    classification: Classification
    previous: Classification | None = None


class AppealMarkedRepeat(Contract):
    """Marked by a coordinator as a repeat of an earlier appeal (59-ФЗ: повторное)."""

    repeat_of: uuid.UUID
    reason: str = Field(min_length=1)
