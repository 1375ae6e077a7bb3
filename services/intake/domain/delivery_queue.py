"""The operator's queue of a municipality's answers that could not be delivered (a mail
server's refusal for good, no address in the vault): kept beside the appeals, changed in
the same transaction as the appeal's DeliveryFailed, emptied when the operator retries."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.intake.domain.delivery_tasks import task_key


def queue_id(municipality: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:failed-deliveries:{municipality}")


class FailedDeliveries(Aggregate):
    @event("Opened")
    def __init__(self, municipality: str):
        self.municipality = municipality
        self.items: dict[str, dict] = {}  # appeal id -> what failed, when, why

    @classmethod
    def create_id(cls, municipality: str) -> UUID:
        return queue_id(municipality)

    @event("Added")
    def add(self, appeal_id: str, draft_id: str | None, channel: str, reason: str, at: str,
            attempt: int, subject: str = "", received_at: str | None = None,
            what: str = "answer") -> None:
        """`subject` and `received_at`: how the operator recognises the appeal (its subject
        as registered, masked; never the applicant). `what`: the answer, or a notice."""
        self.items[task_key(appeal_id, what)] = {
            "appeal_id": appeal_id, "draft_id": draft_id, "channel": channel,
            "reason": reason, "at": at, "attempt": attempt, "subject": subject,
            "received_at": received_at, "what": what}

    @event("Removed")
    def remove(self, appeal_id: str) -> None:
        """`appeal_id`: the item's key (services.intake.domain.delivery_tasks.task_key)."""
        self.items.pop(appeal_id, None)
