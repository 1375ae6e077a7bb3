"""What the audit tree commits to for one record of the log: its place (partition, offset)
and a digest of its bytes (key and value). The place is in the leaf, so a record moved,
removed or inserted changes every leaf from there on; the digest alone (without the place)
tells a record that moved from one that changed."""

from __future__ import annotations

import hashlib
import struct
from typing import NamedTuple

from services.audit.domain.merkle import EMPTY_ROOT, leaf_hash, node_hash


def content(key: bytes | None, value: bytes | None) -> bytes:
    """SHA-256 of the record's key and value, each length-prefixed (None apart from b"")."""
    digest = hashlib.sha256()
    for part in (key, value):
        digest.update(b"\xff\xff\xff\xff" if part is None else struct.pack(">I", len(part)))
        digest.update(part or b"")
    return digest.digest()


def leaf(partition: int, offset: int, content_digest: bytes) -> bytes:
    return leaf_hash(struct.pack(">IQ", partition, offset) + content_digest)


class Node(NamedTuple):
    """A perfect subtree: the hash over leaves [index·2^level, (index+1)·2^level)."""

    level: int
    index: int
    hash: bytes


class Frontier:
    """The perfect subtrees of a growing tree, left to right (at most log n of them): a
    leaf is appended in O(log n), the root of all so far read in O(log n)."""

    def __init__(self) -> None:
        self.size = 0
        self._trees: list[tuple[int, bytes]] = []  # (leaves under it, its hash)

    def append(self, leaf_digest: bytes) -> list[Node]:
        """Append a leaf; the perfect subtrees it completes (kept, proofs read them)."""
        self.size += 1
        self._trees.append((1, leaf_digest))
        completed = []
        while len(self._trees) > 1 and self._trees[-1][0] == self._trees[-2][0]:
            (n, right), (_, left) = self._trees.pop(), self._trees.pop()
            self._trees.append((2 * n, node_hash(left, right)))
            level = (2 * n).bit_length() - 1
            completed.append(Node(level, (self.size - 2 * n) >> level, self._trees[-1][1]))
        return completed

    @classmethod
    def restored(cls, size: int, subtree) -> Frontier:
        """The frontier of a tree of `size` leaves from its kept perfect subtrees
        (`subtree(level, index)`, level 0: the leaf), one per set bit of `size`: a restart
        reads O(log n) hashes, not every record."""
        frontier, start = cls(), 0
        frontier.size = size
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                frontier._trees.append((1 << level, subtree(level, start >> level)))
                start += 1 << level
        return frontier

    def root(self) -> bytes:
        if not self._trees:
            return EMPTY_ROOT
        top = self._trees[-1][1]
        for _, left in reversed(self._trees[:-1]):
            top = node_hash(left, top)
        return top
