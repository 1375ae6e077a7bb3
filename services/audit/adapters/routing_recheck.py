"""Each autorules decision of an appeal recomputed by its owner, routing
(`POST /api/v1/autorules/recheck`), with the autorules revision the AppealRouted names and
the registration the log holds. Routing answers auditors only: the caller's token goes
with the question (the door's caller, or MCU_STAFF_TOKEN on the command line)."""

from __future__ import annotations

import logging

import httpx

from services.audit.domain.state import Event

log = logging.getLogger(__name__)


def decided_by_rules(events: list[Event]) -> list[Event]:
    """The AppealRouted events an autorule decided (routing's system actor, a revision)."""
    return [e for e in events if e.event_type == "AppealRouted" and e.payload is not None
            and e.actor_role == "system" and e.payload.rule_version is not None]


class RoutingRecheck:
    def __init__(self, address: str, authorization: str | None, timeout: float = 5.0):
        self.address, self.authorization, self.timeout = address, authorization, timeout

    def with_caller(self, authorization: str | None) -> RoutingRecheck:
        return RoutingRecheck(self.address, authorization, self.timeout)

    async def __call__(self, municipality: str | None, events: list[Event],
                       envelopes: dict[str, dict]) -> dict[str, dict | None]:
        """By event id, routing's answer for each autorules decision (None: not asked, no
        token, or routing did not answer). `envelopes` by event id, as the log holds them."""
        decided = decided_by_rules(events)
        registered = next((envelopes[e.event_id]["payload"] for e in events
                           if e.event_type == "AppealRegistered"), None)
        if not decided or registered is None or not self.authorization:
            return {e.event_id: None for e in decided}
        answers: dict[str, dict | None] = {}
        async with httpx.AsyncClient(base_url=self.address, timeout=self.timeout, headers={
                "Authorization": self.authorization}) as client:
            for e in decided:
                try:
                    answer = await client.post("/api/v1/autorules/recheck", json={
                        "municipality": municipality, "rule_version": e.payload.rule_version,
                        "registered": registered})
                    answer.raise_for_status()
                    answers[e.event_id] = answer.json()
                except (httpx.HTTPError, ValueError) as exc:
                    log.warning("routing not rechecked", extra={"error": str(exc)[:300]})
                    answers[e.event_id] = None
        return answers
