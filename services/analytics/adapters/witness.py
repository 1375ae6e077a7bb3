"""The audit service's witness of the log at a moment (its public door
`GET /api/v1/audit/witness`), for the weekly memo to print: a head who files the memo
holds, on paper, a value the log and its checkpoints cannot be rewritten to match."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx

log = logging.getLogger(__name__)


def fetch_witness(address: str, until: datetime, timeout: float = 5.0) -> dict | None:
    """{until, digest, records, checkpoints}; None when the audit service does not answer
    (the memo says so instead of printing nothing)."""
    try:
        answer = httpx.get(f"{address}/api/v1/audit/witness",
                           params={"until": until.isoformat()}, timeout=timeout)
        answer.raise_for_status()
        return answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("no witness from the audit service", extra={"error": str(exc)[:300]})
        return None
