"""Registration and its classification: written by the intake service."""

from __future__ import annotations

import uuid
from pydantic import AwareDatetime, Field

from contracts.envelope import Contract
from contracts.vocabulary import Channel, ClassificationMethod, Kind


class CoarseLocation(Contract):
    """Where the problem is, coarse enough to carry no personal data."""

    territory: str | None = Field(default=None, description="Settlement or district")
    latitude: float | None = Field(default=None, ge=-90, le=90, description="Rounded to ~1 km")
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Classification(Contract):
    kind: Kind
    topic: str | None = None
    thematic_block: str | None = None
    territory: str | None = None
    confidence: float = Field(ge=0, le=1)
    method: ClassificationMethod
    reason: str = Field(min_length=1, description="Matched rule or model, for «почему так»")


class AppealRegistered(Contract):
    """An appeal was accepted from a channel, validated and deduplicated."""

    channel: Channel
    external_id: str = Field(min_length=1, max_length=200)
    kind: Kind
    received_at: AwareDatetime
    subject: str | None = Field(default=None, max_length=500)
    text: str = Field(min_length=1, description="Problem description, personal data removed")
    applicant_id: uuid.UUID | None = Field(
        default=None, description="Pseudonymous applicant id; the vault holds the person"
    )
    location: CoarseLocation = CoarseLocation()
    applicant_topic: str | None = Field(default=None, description="Topic chosen by the applicant")
    attachments: int = Field(default=0, ge=0)
    federal_law_59: bool = False
    repeat_of: uuid.UUID | None = Field(default=None, description="Earlier appeal it repeats")
    classification: Classification

    @property
    def topic(self) -> str | None:
        """The topic the appeal is handled under: classified, else the applicant's own."""
        return self.classification.topic or self.applicant_topic

    @property
    def territory(self) -> str | None:
        """Where it is: the classified territory, else the one the channel gave."""
        return self.classification.territory or self.location.territory
