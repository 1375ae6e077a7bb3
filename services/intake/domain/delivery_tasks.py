"""What an MCU operator does by hand to get an answer to the applicant: letters to print
and post (`print`), applicants to call back (`call`). One list per municipality and kind,
kept beside the appeals and changed in the same transaction as the appeal's event that
put an item there or took it away."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

PRINT, CALL = "print", "call"
RETRY = "retry"  # not an operator's: the answers the follower tries again at their time


def task_key(appeal_id: str, what: str) -> str:
    """An item's key in a list: the appeal's id for its answer, with the notice's name for
    a notice (an appeal may have both waiting)."""
    return appeal_id if what == "answer" else f"{appeal_id}:{what}"


def tasks_id(municipality: str, kind: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:delivery-tasks:{kind}:{municipality}")


class DeliveryTasks(Aggregate):
    @event("Opened")
    def __init__(self, municipality: str, kind: str):
        self.municipality = municipality
        self.kind = kind
        self.items: dict[str, dict] = {}  # appeal id -> what the operator needs to see

    @classmethod
    def create_id(cls, municipality: str, kind: str) -> UUID:
        return tasks_id(municipality, kind)

    @event("Added")
    def add(self, key: str, item: dict) -> None:
        """`item`: the appeal, what (the answer, its draft id; or a notice), when it was put
        here, how the operator recognises the appeal (subject as registered, masked; date);
        never the applicant."""
        self.items[key] = item

    @event("Attempted")
    def attempted(self, key: str, at: str, outcome: str) -> None:
        """A call that reached nobody: the task stays, with what happened."""
        if key in self.items:
            item = self.items[key]
            self.items[key] = {**item, "attempts": item.get("attempts", 0) + 1,
                               "last_attempt": at, "last_outcome": outcome}

    @event("Removed")
    def remove(self, key: str) -> None:
        self.items.pop(key, None)
