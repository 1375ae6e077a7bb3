"""Commands the intake service accepts."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.vocabulary import Channel, Kind


class RegisterAppeal(BaseModel):
    """One item from a channel, already parsed by its adapter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    external_id: str = Field(min_length=1, max_length=200)
    kind: Kind = Kind.MESSAGE
    text: str = Field(min_length=1, max_length=20000)
    subject: str | None = Field(default=None, max_length=500)
    topic: str | None = Field(default=None, max_length=300, description="As chosen by the applicant")
    territory: str | None = Field(default=None, max_length=200)
    received_at: AwareDatetime | None = None
    federal_law_59: bool = False
