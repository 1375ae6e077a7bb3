"""Each deadline of an appeal recomputed by its owner, the SLA service (its public door
`GET /api/v1/deadline/recheck`), with the calendar revision the DeadlineSet names: the
term arithmetic has one definition, and the calendar's past versions are kept there."""

from __future__ import annotations

import logging

import httpx

from services.audit.domain.state import Event

log = logging.getLogger(__name__)
SUFFIX = {"calendar_days": "d", "working_days": "wd", "working_hours": "wh"}


class SlaRecheck:
    def __init__(self, address: str, timeout: float = 5.0):
        self.address, self.timeout = address, timeout

    async def __call__(self, municipality: str | None, events: list[Event]
                       ) -> dict[str, dict | None]:
        """By event id, SLA's answer for each DeadlineSet that names its calendar revision
        (None: the SLA service did not answer)."""
        asked = [e for e in events if e.event_type == "DeadlineSet" and e.payload is not None
                 and e.payload.calendar_revision and e.payload.counted_from]
        if not asked:
            return {}
        answers: dict[str, dict | None] = {}
        async with httpx.AsyncClient(base_url=self.address, timeout=self.timeout) as client:
            for e in asked:
                p = e.payload
                params = {"counted_from": p.counted_from.isoformat(),
                          "due_at": p.due_at.isoformat(),
                          "term": f"{p.term.amount}{SUFFIX[p.term.unit.value]}",
                          "calendar_revision": p.calendar_revision,
                          **({"policy_revision": p.policy_revision, "policy_id": p.policy_id}
                             if p.policy_revision else {}),
                          **({"municipality": municipality} if municipality else {})}
                try:
                    answer = await client.get("/api/v1/deadline/recheck", params=params)
                    answer.raise_for_status()
                    answers[e.event_id] = answer.json()
                except (httpx.HTTPError, ValueError) as exc:
                    log.warning("deadline not rechecked", extra={"error": str(exc)[:300]})
                    answers[e.event_id] = None
        return answers
