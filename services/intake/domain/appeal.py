"""The intake side of an appeal: registered once per channel item."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.vocabulary import Channel
from kit.appeal_aggregate import AppealAggregate


def appeal_id_for(channel: Channel, external_id: str) -> UUID:
    """Same channel item, same appeal: a repeated delivery finds the existing one."""
    return uuid5(NAMESPACE_URL, f"urn:mcu:channel:{channel.value}:{external_id}")


class IntakeAppeal(AppealAggregate):
    def initialize(self) -> None:
        self.registered: dict | None = None

    def when(self, event_type: str, payload: dict) -> None:
        if event_type == "AppealRegistered":
            self.registered = payload
