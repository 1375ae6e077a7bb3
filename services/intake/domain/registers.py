"""A municipality's registers, numbered from 1 each year: incoming official appeals (their
registration numbers, 59-ФЗ art. 8) and outgoing official letters (answers and notices).
Only the delivery follower takes numbers (one at a time), each saved in the same
transaction as the appeal that received it, so a number is never given twice nor
skipped by a crash."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

INCOMING, OUTGOING = "incoming", "outgoing"


def register_id(municipality: str, year: int, book: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:mcu:register:{book}:{municipality}:{year}")


def number(book: str, sequence: int, year: int) -> str:
    """«ОГ-00012/2026» for a registration (обращения граждан), «00042/2026» outgoing."""
    return f"ОГ-{sequence:05d}/{year}" if book == INCOMING else f"{sequence:05d}/{year}"


class Register(Aggregate):
    @event("Opened")
    def __init__(self, municipality: str, year: int, book: str):
        self.municipality = municipality
        self.year = year
        self.book = book
        self.last = 0

    @classmethod
    def create_id(cls, municipality: str, year: int, book: str) -> UUID:
        return register_id(municipality, year, book)

    @event("Taken")
    def take(self, appeal_id: str) -> None:
        """The next number, for this appeal (read it from `last`)."""
        self.last += 1
