"""An appeal's history as the log holds it, each event proven under a signed checkpoint
(an inclusion proof from the record's leaf to the checkpoint's root), and what is wrong
with it: a record the audit service committed to that the log no longer has or holds
changed. (An event a producer never published cannot be told from here: an envelope's
`seq` is its aggregate's version, which unpublished facts advance too.)"""

from __future__ import annotations

from dataclasses import dataclass

from services.audit.domain.checkpoint import Checkpoint
from services.audit.domain.merkle import inclusion_path, verify_inclusion
from services.audit.domain.record import leaf


@dataclass(frozen=True)
class Step:
    partition: int
    offset: int
    envelope: dict | None  # the record as decoded (None: unreadable)
    proven: bool  # under a signed checkpoint, by an inclusion proof
    problem: str | None = None  # in Russian


def prove(partition: int, seq: int, offset: int, digest: bytes, subtree,
          checkpoint: Checkpoint | None) -> bool:
    """Whether the record (its place and digest) is leaf `seq` under the checkpoint;
    `subtree(level, index)` reads the tree's kept perfect subtrees (merkle.range_root). A
    kept subtree that is not what the checkpoint signed fails the proof."""
    if checkpoint is None or seq >= checkpoint.size:
        return False
    try:
        proof = inclusion_path(seq, checkpoint.size, subtree)
    except LookupError:  # a subtree the store no longer has
        return False
    return verify_inclusion(leaf(partition, offset, digest), seq, checkpoint.size, proof,
                            checkpoint.root)
