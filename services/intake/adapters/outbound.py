"""The answer sent back to ПОС or «Инцидент Менеджмент» through the municipality's
integration receiver. Neither publishes an API for answers, so the platform defines the
contract (docs/intake.md «Ответы в ПОС и „Инцидент Менеджмент“»): one JSON POST per
answer with `Authorization: Bearer <key>` and `Idempotency-Key`, acknowledged by any 2xx
(its JSON `receipt`, if given, is the delivery's reference). A 5xx, 408, 429, a timeout or
no connection is «later»; any other refusal is «never» (the operator's queue)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from kit.settings import AnswerEndpoint

SCHEMA = "mcu.answer/1"
TIMEOUT = 10.0  # seconds a receiver may take to acknowledge (5 to connect)


class Unavailable(Exception):
    """Try again later: the receiver is away or said so."""


class Refused(Exception):
    """The receiver will not take this answer as it is (status and its words)."""


@dataclass(frozen=True)
class Acknowledged:
    status: int
    receipt: str | None

    def reference(self, channel_name: str) -> str:
        return f"{channel_name}: " + (f"квитанция {self.receipt}" if self.receipt
                                      else f"принято (HTTP {self.status})")


def send(endpoint: AnswerEndpoint, answer: dict, idempotency_key: str,
         timeout: float = TIMEOUT) -> Acknowledged:
    """POST the answer once; the same `idempotency_key` on every attempt, so a receiver
    that saw it before answers as before instead of posting it twice."""
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0))) as client:
            response = client.post(endpoint.url, json=answer, headers={
                "Authorization": f"Bearer {endpoint.key}", "Idempotency-Key": idempotency_key,
                "User-Agent": "mcu-platform/1"})
    except httpx.TransportError as exc:  # timeouts, refused connections, broken streams
        raise Unavailable(type(exc).__name__) from None
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise Unavailable(f"HTTP {response.status_code}")
    if not response.is_success:
        raise Refused(f"HTTP {response.status_code}")  # its words may quote the applicant
    try:
        receipt = response.json().get("receipt")
    except (ValueError, AttributeError):
        receipt = None
    return Acknowledged(response.status_code,
                        str(receipt)[:200] if isinstance(receipt, str | int) else None)
