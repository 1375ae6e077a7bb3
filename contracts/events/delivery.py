"""The answer on its way to the applicant: written by the intake service, which owns the
channels and the applicant's contacts (in its vault; no address ever goes on the log)."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from contracts.envelope import Contract
from contracts.vocabulary import Channel, Notice


class AnswerDelivered(Contract):
    """The published answer left through its way to the applicant: an e-mail accepted by
    the mail server (reference: its Message-ID), a letter handed to the post (its tracking
    number), an answer acknowledged by ПОС or «Инцидент Менеджмент», a call-back made.
    For an official answer its date is the dispatch date (59-ФЗ): `dispatched_at` when the
    operator records a posting after the day it happened, else the event's time."""

    draft_id: str = Field(description="The published draft (AnswerPublished.draft_id)")
    channel: Channel = Field(description="The channel it went through")
    reference: str = Field(min_length=1, max_length=500,
                           description="What identifies the delivery there: the e-mail's"
                                       " Message-ID, a tracking number, an acknowledgement")
    attempt: int = Field(ge=1, description="Which attempt delivered it")
    dispatched_at: AwareDatetime | None = Field(
        default=None, description="When it left, if earlier than recorded (a letter's "
                                  "posting day, recorded by the operator afterwards)")


class DeliveryFailed(Contract):
    """An attempt to deliver the answer failed: retried at `retry_at`, or (None) left to
    the operator's queue of failed deliveries."""

    draft_id: str
    channel: Channel
    reason: str = Field(min_length=1, max_length=500,
                        description="Why, in Russian, without personal data")
    attempt: int = Field(ge=1)
    retry_at: AwareDatetime | None = Field(
        default=None, description="When it is tried again; none: an operator decides")


class AnswerRatingReceived(Contract):
    """The applicant rated the delivered answer on the platform's own page (the e-mail's
    or the letter's personal link), where the channel has no rating of its own; routing
    records it as AppealRated, as it does a ПОС rating."""

    draft_id: str
    channel: Channel = Field(description="The channel the rated answer went through")
    score: int = Field(ge=1, le=5, description="1–5")
    comment: str | None = Field(default=None, max_length=2000,
                                description="The applicant's words, masked like an appeal's")


class AppealNumbered(Contract):
    """An official appeal got its number in its municipality's register of incoming
    appeals (59-ФЗ art. 8: registered within three days), the number the applicant is told
    and quotes."""

    registration_number: str = Field(min_length=1, max_length=40)
    registered_on: date = Field(description="The register's day, in the municipality's time")


class NoticeDelivered(Contract):
    """A notice 59-ФЗ requires reached the applicant (its way and reference as for an
    answer): of registration with the number, of forwarding to another body, of the
    answer's term extended."""

    notice: Notice
    channel: Channel
    reference: str = Field(min_length=1, max_length=500)
    attempt: int = Field(ge=1)
    dispatched_at: AwareDatetime | None = Field(
        default=None, description="A letter's posting day, when recorded afterwards")


class NoticeFailed(Contract):
    """An attempt to deliver a notice failed: retried at `retry_at`, or (None) left to
    the operator's queue of failed deliveries."""

    notice: Notice
    channel: Channel
    reason: str = Field(min_length=1, max_length=500)
    attempt: int = Field(ge=1)
    retry_at: AwareDatetime | None = None
