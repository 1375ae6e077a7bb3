"""Verification of one partition of the log against the signed checkpoints, without trust
in any store: the checkpoints' signatures are checked with the published keys; the audit
store's record digests are believed only if they rebuild each checkpoint's root; the log's
records are then compared with them and every difference is named (partition, offset,
appeal) and told apart: changed, removed, inserted, moved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.domain.checkpoint import Checkpoint
from services.audit.domain.merkle import root
from services.audit.domain.record import leaf


@dataclass(frozen=True)
class Kept:
    """A record as the audit service saw it when it committed to it."""

    offset: int
    content: bytes  # record.content()
    appeal_id: str | None


@dataclass(frozen=True)
class Seen:
    """A record as the log holds it now."""

    offset: int
    content: bytes
    appeal_id: str | None


@dataclass(frozen=True)
class Discrepancy:
    partition: int
    offset: int | None
    appeal_id: str | None
    what: str  # in Russian, for the auditor


@dataclass(frozen=True)
class PartitionReport:
    partition: int
    records: int  # in the log now
    covered: int  # records under the latest valid checkpoint
    checkpoints: int
    discrepancies: tuple[Discrepancy, ...]


def verify_partition(partition: int, checkpoints: Sequence[Checkpoint], kept: Sequence[Kept],
                     seen: Sequence[Seen], keys: dict[str, Ed25519PublicKey]) -> PartitionReport:
    found: list[Discrepancy] = []
    valid = []
    for checkpoint in checkpoints:
        if checkpoint.verified_by(keys):
            valid.append(checkpoint)
        else:
            found.append(Discrepancy(partition, None, None, f"контрольная точка на {checkpoint.size}"
                                     " записей не подписана опубликованным ключом"))
    if not valid:
        return PartitionReport(partition, len(seen), 0, 0, tuple(found))
    latest = max(valid, key=lambda c: c.size)
    kept_leaves = [leaf(partition, k.offset, k.content) for k in kept[:latest.size]]
    authentic = len(kept) >= latest.size and all(
        root(kept_leaves[:c.size]) == c.root for c in valid)
    seen_leaves = [leaf(partition, s.offset, s.content) for s in seen[:latest.size]]
    for c in valid:
        if len(seen) >= c.size and root(seen_leaves[:c.size]) == c.root:
            continue
        if not authentic:
            found.append(Discrepancy(partition, None, None,
                                     f"журнал не сходится с контрольной точкой на {c.size} "
                                     "записей, а хранилище аудита не подтверждено ею: "
                                     "место расхождения не назвать"))
        else:  # named over all that the latest checkpoint covers
            found += _named(partition, kept[:latest.size], seen[:latest.size])
        break
    return PartitionReport(partition, len(seen), latest.size, len(valid),
                           tuple(_unique(found)))


def _named(partition: int, kept: Sequence[Kept], seen: Sequence[Seen]) -> list[Discrepancy]:
    """Each record of the log that is not where and what the checkpoint committed to."""
    where = {k.content: i for i, k in enumerate(kept)}
    found = []
    for i, k in enumerate(kept):
        s = seen[i] if i < len(seen) else None
        if s is not None and s.content == k.content and s.offset == k.offset:
            continue
        if s is None:
            what = "запись отсутствует: журнал короче контрольной точки"
        elif s.content in where and where[s.content] != i:
            j = where[s.content]
            what = (f"на месте записи стоит запись со смещения {kept[j].offset}: "
                    + ("записи переставлены" if j < len(seen) and
                       seen[j].content == k.content else "перед ней запись удалена"
                       if j > i else "перед ней вставлена запись"))
        else:
            what = "запись изменена"
        found.append(Discrepancy(partition, k.offset, k.appeal_id, what))
    return found


def _unique(found: list[Discrepancy]) -> list[Discrepancy]:
    seen, kept = set(), []
    for d in found:
        if d not in seen:
            seen.add(d)
            kept.append(d)
    return kept
