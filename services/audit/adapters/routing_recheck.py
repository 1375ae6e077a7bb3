"""Each autorules decision of an appeal recomputed by its owner, routing
(`POST /api/v1/autorules/recheck`), with the autorules revision the AppealRouted names and
the registration the log holds. Routing answers auditors only: the caller's token goes
with the question (the door's caller, or MCU_STAFF_TOKEN on the command line)."""

from __future__ import annotations

from services.audit.adapters.owner_client import OwnerClient
from services.audit.domain.state import Event


def decided_by_rules(events: list[Event]) -> list[Event]:
    """The AppealRouted events an autorule decided (routing's system actor, a revision)."""
    return [e for e in events if e.event_type == "AppealRouted" and e.payload is not None
            and e.actor_role == "system" and e.payload.rule_version is not None]


class RoutingRecheck:
    def __init__(self, routing: OwnerClient, authorization: str | None):
        self.routing, self.authorization = routing, authorization

    def with_caller(self, authorization: str | None) -> RoutingRecheck:
        """The same connection, asking with another caller's token."""
        return RoutingRecheck(self.routing, authorization)

    async def __call__(self, municipality: str | None, events: list[Event],
                       envelopes: dict[str, dict]) -> dict[str, dict | None]:
        """By event id, routing's answer for each autorules decision (None: not asked, no
        token, or routing did not answer). `envelopes` by event id, as the log holds them."""
        decided = decided_by_rules(events)
        registered = next((envelopes[e.event_id]["payload"] for e in events
                           if e.event_type == "AppealRegistered"), None)
        if registered is None or not self.authorization:
            return {e.event_id: None for e in decided}
        return {e.event_id: await self.routing.ask(
            "POST", "/api/v1/autorules/recheck",
            headers={"Authorization": self.authorization},
            json={"municipality": municipality, "rule_version": e.payload.rule_version,
                  "registered": registered}) for e in decided}
