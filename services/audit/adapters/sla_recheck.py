"""Each deadline of an appeal recomputed by its owner, the SLA service (its public door
`GET /api/v1/deadline/recheck`), with the policy and calendar revisions the DeadlineSet
names: the term arithmetic has one definition, and the past revisions are kept there."""

from __future__ import annotations

from services.audit.adapters.owner_client import OwnerClient
from services.audit.domain.state import Event

SUFFIX = {"calendar_days": "d", "working_days": "wd", "working_hours": "wh"}


class SlaRecheck:
    def __init__(self, sla: OwnerClient):
        self.sla = sla

    async def __call__(self, municipality: str | None, events: list[Event]
                       ) -> dict[str, dict | None]:
        """By event id, SLA's answer for each DeadlineSet that names its calendar revision
        (None: the SLA service did not answer)."""
        answers: dict[str, dict | None] = {}
        for e in events:
            p = e.payload
            if e.event_type != "DeadlineSet" or p is None or not (
                    p.calendar_revision and p.counted_from):
                continue
            answers[e.event_id] = await self.sla.ask("GET", "/api/v1/deadline/recheck", params={
                "counted_from": p.counted_from.isoformat(), "due_at": p.due_at.isoformat(),
                "term": f"{p.term.amount}{SUFFIX[p.term.unit.value]}",
                "calendar_revision": p.calendar_revision,
                **({"policy_revision": p.policy_revision, "policy_id": p.policy_id}
                   if p.policy_revision else {}),
                **({"municipality": municipality} if municipality else {})})
        return answers
