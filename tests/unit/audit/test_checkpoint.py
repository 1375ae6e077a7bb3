"""Signed checkpoints: verified with the public key alone, refused when anything in them
changed (the size, the root, the time, the log), signed by an unknown or rotated-out key,
or read back from a damaged text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.checkpoint import Checkpoint, key_id
from services.audit.domain.merkle import leaf_hash, root

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NEXT = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KEYS = {key_id(KEY.public_key()): KEY.public_key(), key_id(NEXT.public_key()): NEXT.public_key()}
ROOT = root([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])


def signed(key=KEY, **changes) -> Checkpoint:
    base = Checkpoint("mcu.appeals.v1/3", 3, ROOT, datetime(2026, 12, 7, 10, tzinfo=UTC),
                      key_id(key.public_key()))
    return replace(base, **changes).signed_by(key)


def test_a_checkpoint_is_verified_by_the_published_key_alone_and_read_back_whole():
    checkpoint = signed()
    assert checkpoint.verified_by(KEYS)
    text = checkpoint.text()
    assert text.startswith("mcu-audit-checkpoint/1\nmcu.appeals.v1/3\n3\n")
    assert Checkpoint.parse(text) == checkpoint
    assert Checkpoint.parse(text).verified_by(KEYS)


def test_anything_changed_in_a_signed_checkpoint_breaks_its_signature():
    checkpoint = signed()
    for forged in (replace(checkpoint, size=4), replace(checkpoint, origin="mcu.appeals.v1/2"),
                   replace(checkpoint, root=bytes(32)),
                   replace(checkpoint, time=datetime(2026, 12, 8, tzinfo=UTC)),
                   replace(checkpoint, signature=checkpoint.signature[:-1] + b"\x00")):
        assert not forged.verified_by(KEYS)


def test_a_rotated_key_keeps_old_checkpoints_verifiable_and_an_unknown_key_is_refused():
    old, new = signed(KEY), signed(NEXT)
    assert old.verified_by(KEYS) and new.verified_by(KEYS)
    assert not old.verified_by({key_id(NEXT.public_key()): NEXT.public_key()})  # not published
    impostor = Ed25519PrivateKey.generate()
    claimed = replace(signed(impostor), key=key_id(KEY.public_key()))  # names our key
    assert not claimed.verified_by(KEYS)
    with pytest.raises(ValueError):
        replace(signed(), signature=b"").signed_by(impostor)  # names another key


def test_a_damaged_text_is_not_a_checkpoint():
    text = signed().text()
    for damaged in ("", "hello", text.replace("mcu-audit-checkpoint/1", "x"),
                    text.replace("\n3\n", "\nтри\n"), text.replace("— ", "")):
        with pytest.raises(ValueError):
            Checkpoint.parse(damaged)
