"""A municipality's register of outgoing official answers: one number per answer, in order,
from 1 each year. Only the answers' follower takes numbers (one at a time), each saved in
the same transaction as the appeal that received it, so a number is never given twice
nor skipped by a crash."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


def register_id(municipality: str, year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:outgoing-register:{municipality}:{year}")


class OutgoingRegister(Aggregate):
    @event("Opened")
    def __init__(self, municipality: str, year: int):
        self.municipality = municipality
        self.year = year
        self.last = 0

    @classmethod
    def create_id(cls, municipality: str, year: int) -> UUID:
        return register_id(municipality, year)

    @event("Taken")
    def take(self, appeal_id: str) -> None:
        """The next number, for this appeal's answer (read it from `last`)."""
        self.last += 1
