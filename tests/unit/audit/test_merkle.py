"""The audit tree (RFC 9162 §2.1) against its definition, and its proofs against the cases
a forger would try: a flipped bit, a truncated or lengthened proof, the wrong root, the
wrong size, siblings swapped, a leaf at another index, a prefix that was rewritten."""

from __future__ import annotations

import hashlib

import pytest

from services.audit.domain import merkle
from services.audit.domain.merkle import (consistency_proof, inclusion_proof, leaf_hash,
                                          node_hash, root, verify_consistency,
                                          verify_inclusion)


def definition(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 writes it: split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(definition(leaves[:k]), definition(leaves[k:]))


LEAVES = [leaf_hash(f"запись {i}".encode()) for i in range(70)]


def flipped(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def test_leaves_and_nodes_are_hashed_apart_and_the_empty_tree_has_its_root():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert root([]) == hashlib.sha256(b"").digest()  # RFC 9162: the hash of nothing
    # a leaf whose data is two node hashes is not the node they make
    left, right = LEAVES[0], LEAVES[1]
    assert leaf_hash(left + right) != node_hash(left, right)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 64, 70])
def test_the_root_is_the_definitions(n):
    assert root(LEAVES[:n]) == definition(LEAVES[:n])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 64, 70])
def test_every_leaf_is_proven_included_and_only_where_it_is(n):
    tree = LEAVES[:n]
    top = root(tree)
    for index in range(n):
        proof = inclusion_proof(index, tree)
        assert verify_inclusion(tree[index], index, n, proof, top)
        if n > 1:
            other = (index + 1) % n
            assert not verify_inclusion(tree[other], index, n, proof, top)  # another leaf
            assert not verify_inclusion(tree[index], other, n, proof, top)  # another place


def test_a_forged_inclusion_proof_fails():
    tree, index = LEAVES[:13], 6
    top, proof = root(tree), inclusion_proof(6, LEAVES[:13])
    leaf = tree[index]
    assert verify_inclusion(leaf, index, 13, proof, top)
    assert not verify_inclusion(flipped(leaf), index, 13, proof, top)  # the record changed
    assert not verify_inclusion(leaf, index, 13, proof[:-1], top)  # truncated
    assert not verify_inclusion(leaf, index, 13, [*proof, proof[0]], top)  # lengthened
    assert not verify_inclusion(leaf, index, 13, proof, flipped(top))  # wrong root
    # a wrong size: one that changes the path fails here; one of the same shape (9–16 for
    # this leaf) is caught by the checkpoint, which signs the size with the root
    assert not verify_inclusion(leaf, index, 8, proof, top)
    assert not verify_inclusion(leaf, index, 17, proof, top)
    swapped = [proof[1], proof[0], *proof[2:]]
    assert not verify_inclusion(leaf, index, 13, swapped, top)  # siblings swapped
    assert not verify_inclusion(leaf, index, 13, [flipped(proof[1], 7), *proof[1:]], top)
    assert not verify_inclusion(leaf, index, 13, [proof[0][:31], *proof[1:]], top)
    assert not verify_inclusion(leaf, 13, 13, proof, top)  # past the end
    assert not verify_inclusion(leaf, -1, 13, proof, top)


@pytest.mark.parametrize("old,new", [(1, 1), (1, 2), (1, 8), (2, 3), (3, 7), (4, 8), (5, 8),
                                     (6, 8), (7, 8), (8, 9), (13, 70), (64, 70), (69, 70)])
def test_a_grown_tree_is_proven_to_extend_the_earlier_one(old, new):
    proof = consistency_proof(old, LEAVES[:new])
    assert verify_consistency(old, new, root(LEAVES[:old]), root(LEAVES[:new]), proof)


def test_a_rewritten_past_breaks_consistency():
    old, new = 6, 13
    proof = consistency_proof(old, LEAVES[:new])
    old_root, new_root = root(LEAVES[:old]), root(LEAVES[:new])
    assert verify_consistency(old, new, old_root, new_root, proof)
    rewritten = [*LEAVES[:2], leaf_hash(b"other"), *LEAVES[3:new]]  # record 2 changed
    assert not verify_consistency(old, new, old_root, root(rewritten),
                                  consistency_proof(old, rewritten))
    removed = [*LEAVES[:2], *LEAVES[3:new + 1]]  # record 2 removed, the tree as long
    assert not verify_consistency(old, new, old_root, root(removed),
                                  consistency_proof(old, removed))
    reordered = [LEAVES[1], LEAVES[0], *LEAVES[2:new]]
    assert not verify_consistency(old, new, old_root, root(reordered),
                                  consistency_proof(old, reordered))
    assert not verify_consistency(old, new, old_root, new_root, proof[:-1])  # truncated
    assert not verify_consistency(old, new, old_root, new_root, [])  # none at all
    assert not verify_consistency(old, new, flipped(old_root), new_root, proof)
    assert not verify_consistency(old, 17, old_root, new_root, proof)  # a wrong size
    assert not verify_consistency(old + 1, new, old_root, new_root, proof)
    assert not verify_consistency(old, new, old_root, new_root, [proof[1], proof[0],
                                                                  *proof[2:]])
    assert not verify_consistency(new, old, new_root, old_root, proof)  # shrunk


def test_proofs_are_asked_only_of_what_exists():
    with pytest.raises(ValueError):
        inclusion_proof(5, LEAVES[:5])
    with pytest.raises(ValueError):
        consistency_proof(0, LEAVES[:5])
    with pytest.raises(ValueError):
        consistency_proof(6, LEAVES[:5])
    assert merkle.HASH_SIZE == 32


def test_the_growing_trees_root_is_the_whole_trees_at_every_size():
    from services.audit.domain.record import Frontier

    frontier = Frontier()
    assert frontier.root() == root([])
    for n, leaf in enumerate(LEAVES, start=1):
        frontier.append(leaf)
        assert frontier.size == n and frontier.root() == root(LEAVES[:n])


def test_a_proof_read_from_the_kept_subtrees_is_the_proof_from_every_leaf():
    """What replay reads (the perfect subtrees the growing tree completes, kept by the
    service) gives RFC 9162's path for every leaf of every size, and a kept subtree
    changed afterwards makes the proof fail."""
    from services.audit.domain.record import Frontier

    frontier, kept = Frontier(), {}
    for i, leaf in enumerate(LEAVES):
        kept[(0, i)] = leaf
        kept.update({(n.level, n.index): n.hash for n in frontier.append(leaf)})
    assert len(kept) == 2 * len(LEAVES) - bin(len(LEAVES)).count("1")

    def subtree(level: int, index: int) -> bytes:
        return kept[(level, index)]

    for size in (1, 2, 3, 5, 8, 13, 31, 32, 33, 64, 70):
        for index in range(size):
            path = merkle.inclusion_path(index, size, subtree)
            assert path == inclusion_proof(index, LEAVES[:size])
            assert verify_inclusion(LEAVES[index], index, size, path, root(LEAVES[:size]))
    kept[(3, 1)] = flipped(kept[(3, 1)])  # leaves 8..15 as the store holds them, changed
    assert not verify_inclusion(LEAVES[2], 2, 64, merkle.inclusion_path(2, 64, subtree),
                                root(LEAVES[:64]))
    with pytest.raises(ValueError):
        merkle.inclusion_path(5, 5, subtree)


def test_a_restarted_tree_from_its_kept_subtrees_is_the_tree_it_was():
    from services.audit.domain.record import Frontier

    frontier, kept = Frontier(), {}
    for i, leaf in enumerate(LEAVES):
        kept[(0, i)] = leaf
        kept.update({(n.level, n.index): n.hash for n in frontier.append(leaf)})
        again = Frontier.restored(i + 1, lambda level, index: kept[(level, index)])
        assert again.size == i + 1 and again.root() == root(LEAVES[:i + 1])
    again.append(LEAVES[0])  # and it grows on as the original would
    assert again.root() == root(LEAVES + [LEAVES[0]])
    assert Frontier.restored(0, lambda *_: b"").root() == root([])
