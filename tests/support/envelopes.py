"""Building log envelopes in tests, the way producers publish them."""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts import Actor, Envelope, event_id_for, spec_for
from contracts.examples import EXAMPLES


class AppealStory:
    """Successive events of one appeal from one producer, with increasing seq."""

    def __init__(self, appeal_id: uuid.UUID | None = None, municipality: str | None = None):
        self.appeal_id = appeal_id or uuid.uuid4()
        self.municipality = municipality  # None: an event as written before tenancy
        self.seq: dict[str, int] = {}

    def event(self, event_type: str, at: datetime, **payload_overrides) -> Envelope:
        spec = spec_for(event_type)
        payload = EXAMPLES[(event_type, spec.latest_version)] | payload_overrides
        seq = self.seq[spec.producer] = self.seq.get(spec.producer, 0) + 1
        return Envelope(
            event_id=event_id_for(spec.producer, self.appeal_id, seq), event_type=event_type,
            schema_version=spec.latest_version, appeal_id=self.appeal_id, seq=seq,
            previous_seq=seq - 1,
            occurred_at=at, producer=spec.producer, correlation_id=self.appeal_id,
            municipality=self.municipality, actor=Actor(id="u-test", role="coordinator"),
            payload=spec.model.model_validate(payload))

    def registered(self, at: datetime, kind: str = "message", topic: str = "Ямы во дворах",
                   block: str = "Дороги", territory: str = "г. Константиновск",
                   channel: str = "pos", repeat_of: uuid.UUID | None = None) -> Envelope:
        classification = EXAMPLES[("AppealRegistered", 1)]["classification"] | {
            "kind": kind, "topic": topic, "thematic_block": block, "territory": territory}
        return self.event("AppealRegistered", at, kind=kind, received_at=at.isoformat(),
                          classification=classification, federal_law_59=kind == "official",
                          channel=channel, location={"territory": territory},
                          repeat_of=str(repeat_of) if repeat_of else None)
