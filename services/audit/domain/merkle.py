"""A Merkle tree over the log's records as RFC 9162 (Certificate Transparency 2.0, §2.1)
defines it, with its inclusion and consistency proofs and their verification. Leaves and
nodes are hashed apart (0x00 / 0x01 prefixes) so that no leaf can pose as a node.

Why this construction: a checkpoint (size, root) commits to every record before it in
order; an inclusion proof shows one record under a root without the others; a consistency
proof shows a later tree extends an earlier one (nothing before it was changed, removed,
reordered or inserted). Both are logarithmic, and verifying them needs the hashes alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes: the root of the tree of these leaves."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:  # pairs from the left; an odd last node rises as it is
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]): the siblings from the leaf up to the root, for leaf `index`."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_proof(index, leaves[:k]) + [root(leaves[k:])]
    return inclusion_proof(index - k, leaves[k:]) + [root(leaves[:k])]


def range_root(lo: int, hi: int, subtree) -> bytes:
    """MTH of leaves [lo, hi) from the perfect subtrees the tree is made of:
    `subtree(level, index)` is the hash over leaves [index·2^level, (index+1)·2^level)
    (level 0: the leaf). RFC 9162's split keeps every left part aligned, so O(log n)
    subtrees make any range it asks for."""
    n = hi - lo
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return subtree(level, lo >> level)
    k = _split(n)
    return node_hash(range_root(lo, lo + k, subtree), range_root(lo + k, hi, subtree))


def inclusion_path(index: int, size: int, subtree) -> list[bytes]:
    """PATH(index, D[size]) as `inclusion_proof` gives it, read from stored perfect
    subtrees (see `range_root`) instead of every leaf: O(log² n) look-ups."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(range_root(lo + k, hi, subtree))
            hi = lo + k
        else:
            path.append(range_root(lo, lo + k, subtree))
            lo += k
    return path[::-1]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): what shows the tree of the first `old_size` leaves is a prefix."""
    if not 0 < old_size <= len(leaves):
        raise ValueError(f"no consistency proof from {old_size} to {len(leaves)}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


def _path_length(index: int, size: int) -> int:
    """How many hashes the inclusion path of leaf `index` in a tree of `size` has: the
    levels below where it parts from the tree's right edge, then the right edge's
    left-hand nodes (as transparency-dev's verifier checks; RFC 9162's loop alone would
    accept a proof for a neighbouring size)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + bin(index >> inner).count("1")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: whether `leaf` is leaf `index` of the tree of `size` with this
    root."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if len(proof) != _path_length(index, size):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False  # a proof longer than the path
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: whether the tree of `new_size` with `new_root` extends the tree
    of `old_size` with `old_root`."""
    if any(len(p) != HASH_SIZE for p in proof) or not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    shift = (old_size & -old_size).bit_length() - 1  # the old tree's lowest full subtree
    seeded = old_size & (old_size - 1) == 0
    if len(proof) != (0 if seeded else 1) + _path_length((old_size - 1) >> shift,
                                                         ((new_size - 1) >> shift) + 1):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
