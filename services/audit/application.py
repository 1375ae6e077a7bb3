"""Use cases of the audit service: verify the whole log against the signed checkpoints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.adapters.store import AuditStore
from services.audit.domain.record import content
from services.audit.domain.verify import PartitionReport, Seen, verify_partition


@dataclass(frozen=True)
class LogReport:
    partitions: tuple[PartitionReport, ...]

    @property
    def records(self) -> int:
        return sum(p.records for p in self.partitions)

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.partitions)

    @property
    def checkpoints(self) -> int:
        return sum(p.checkpoints for p in self.partitions)

    @property
    def discrepancies(self) -> list:
        return [d for p in self.partitions for d in p.discrepancies]


def verify_log(topic: str, records: Iterable, store: AuditStore,
               keys: dict[str, Ed25519PublicKey], as_topic: str | None = None) -> LogReport:
    """Each partition of `records` (Kafka records of the log, or of a copy of it) against
    the checkpoints the audit service signed for `as_topic` (the log it watched; default:
    `topic`)."""
    watched = as_topic or topic
    seen: dict[int, list[Seen]] = defaultdict(list)
    for record in records:
        seen[record.partition].append(Seen(
            record.offset, content(record.key, record.value),
            record.key.decode(errors="replace") if record.key else None))
    by_partition: dict[int, list] = defaultdict(list)
    for checkpoint in store.checkpoints():
        name, _, partition = checkpoint.origin.rpartition("/")
        if name == watched:
            by_partition[int(partition)].append(checkpoint)
    partitions = sorted(set(seen) | set(by_partition))
    return LogReport(tuple(verify_partition(p, by_partition.get(p, []), store.kept(p),
                                            sorted(seen.get(p, []), key=lambda s: s.offset),
                                            keys) for p in partitions))
