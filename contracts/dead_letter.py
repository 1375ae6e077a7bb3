"""What a consumer writes to the dead-letter topic when it cannot use a message."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from contracts.envelope import Contract


class DeadLetter(Contract):
    """The original message kept whole, with the error and where it was read."""

    consumer: str = Field(description="Consumer group that failed")
    error_code: str = Field(description="Stable code, e.g. malformed_json, invalid_event")
    error: str
    source_topic: str
    source_partition: int = Field(ge=0)
    source_offset: int = Field(ge=0)
    key: str | None = None
    value_base64: str = Field(description="The original message bytes, base64")
    failed_at: AwareDatetime
