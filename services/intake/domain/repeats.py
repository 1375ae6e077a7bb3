"""Repeat detection: the same applicant with the same problem (topic + place) again.

One index aggregate per (applicant, topic, territory) lists the appeals registered under
it; a new appeal within the window of the latest earlier one is a repeat of it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


def repeat_key(applicant_id: UUID, topic: str, territory: str,
               municipality: str | None = None) -> UUID:
    """The index's key; a repeat is one within a municipality (the legacy municipality's
    keys, made before tenancy, name none)."""
    scope = f"{municipality}:" if municipality else ""
    return uuid5(NAMESPACE_URL,
                 f"urn:mcu:repeat:{scope}{applicant_id}:{topic.lower()}:{territory.lower()}")


class RepeatIndex(Aggregate):
    @event("Started")
    def __init__(self, key: UUID, appeal_id: str | None = None, received_at: str | None = None):
        """Started with its first appeal: one stored event for the usual case, an applicant
        with a problem not seen before (indexes stored before had none: they began empty)."""
        self.appeals: list[tuple[str, str]] = []  # (appeal id, received at ISO)
        if appeal_id is not None and received_at is not None:
            self.appeals.append((appeal_id, received_at))

    @classmethod
    def create_id(cls, key: UUID) -> UUID:
        return key

    def earlier_within(self, moment: datetime, window: timedelta) -> UUID | None:
        for appeal_id, at in reversed(self.appeals):
            earlier = datetime.fromisoformat(at)
            if earlier <= moment and moment - earlier <= window:
                return UUID(appeal_id)
        return None

    @event("Added")
    def add(self, appeal_id: str, received_at: str) -> None:
        self.appeals.append((appeal_id, received_at))
