"""The intake side of an appeal: registered once per channel item."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.envelope import Contract
from contracts.events.registration import AppealRegistered
from contracts.vocabulary import Channel
from kit.appeal_aggregate import AppealAggregate


def appeal_id_for(channel: Channel, external_id: str, municipality: str | None = None) -> UUID:
    """Same channel item, same appeal: a repeated delivery finds the existing one. Two
    municipalities' senders may number their items alike (web forms, operators), so the
    municipality is part of the identity; the legacy municipality's items (None) keep the
    ids they had before tenancy."""
    scope = f"{municipality}:" if municipality else ""
    return uuid5(NAMESPACE_URL, f"urn:mcu:channel:{scope}{channel.value}:{external_id}")


class IntakeAppeal(AppealAggregate):
    def initialize(self) -> None:
        self.registered: AppealRegistered | None = None
        self.status = "open"
        self.status_notes: str | None = None
        self.updated_at = None
        self.agency: str | None = None  # the recipient routing chose (an organisation id)
        self.expected_at: str | None = None  # the answer's deadline (ISO), as SLA set it

    @property
    def repeat_of(self) -> UUID | None:
        return self.registered.repeat_of if self.registered else None

    def when(self, event: Contract) -> None:
        if isinstance(event, AppealRegistered):
            self.registered = event

    @property
    def channel(self) -> Channel | None:
        return self.registered.channel if self.registered else None

    def note(self, facts: dict) -> None:
        self.status = facts.get("status", self.status)
        self.status_notes = facts.get("status_notes", self.status_notes)
        self.agency = facts.get("agency", self.agency)
        self.expected_at = facts.get("expected_at", self.expected_at)
        self.updated_at = self.event_time
