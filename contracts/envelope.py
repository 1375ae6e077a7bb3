"""The envelope every event on the log travels in (DESIGN §1)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contracts.vocabulary import Role

# Stable namespace for deterministic event ids: a republished event keeps its id.
EVENT_ID_NAMESPACE = uuid.UUID("6f1d3a52-8b1e-4c53-9a2e-1c0e7d7a9b10")

NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]


class Contract(BaseModel):
    """Base of every contract model: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Actor(Contract):
    """Who caused the event: a person with a role, or a system rule."""

    id: NonEmpty = Field(description="User id, or the name of the system component")
    role: Role
    organization_id: str | None = Field(
        default=None, description="Recipient (org unit) the person acts for"
    )

    @classmethod
    def system(cls, component: str) -> Actor:
        return cls(id=component, role=Role.SYSTEM)


class Envelope(Contract):
    """One event of an appeal's history; `payload` is validated per `event_type`."""

    event_id: uuid.UUID = Field(description="uuid5 of (producer, appeal_id, seq): stable on republish")
    event_type: NonEmpty = Field(description="Past-tense fact, e.g. AppealRouted")
    schema_version: int = Field(ge=1, description="Version of the payload schema")
    appeal_id: uuid.UUID = Field(description="The aggregate; also the Kafka key")
    seq: int = Field(ge=1, description="Position in the producer's history of this appeal")
    previous_seq: int | None = Field(
        default=None, ge=0, description="The `seq` of the producer's previous event of this "
        "appeal on the log (0: this is its first). `seq` also counts facts a producer keeps "
        "to itself, so its gaps are normal; this link lets an auditor tell an event left out"
        " of the log. Every event written since contracts 1.4.0 has it")
    occurred_at: AwareDatetime = Field(description="When it happened, UTC")
    producer: NonEmpty = Field(description="Service that wrote the event")
    municipality: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        description="The municipality (МЦУ) the appeal belongs to, its id in the deployment;"
        " also the Kafka header `municipality`. Every event written since tenancy has it;"
        " an older one has none and belongs to the deployment's `legacy_municipality`")
    causation_id: uuid.UUID | None = Field(default=None, description="Event that caused this one")
    correlation_id: uuid.UUID | None = Field(default=None, description="The appeal's whole story")
    actor: Actor = Field(description="Who did it: a person with a role, or a system rule")
    payload: Any = Field(description="The event's own fields, see below")

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.utcoffset() != timedelta(0):
            raise ValueError("occurred_at must be in UTC")
        return value

    @property
    def identity(self) -> tuple[str, uuid.UUID, int]:
        """Consumers deduplicate by this, not by Kafka offset (DESIGN §3)."""
        return (self.producer, self.appeal_id, self.seq)


def event_id_for(producer: str, appeal_id: uuid.UUID, seq: int) -> uuid.UUID:
    """Deterministic id so a republished event is recognisably the same event."""
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{producer}/{appeal_id}/{seq}")
