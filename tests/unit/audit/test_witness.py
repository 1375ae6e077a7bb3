"""The log's witness: one value over every partition's latest checkpoint that a person can
compare on paper, and the letter that takes it outside the system."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.checkpoint import Checkpoint, key_id, witness_digest
from services.audit.domain.merkle import leaf_hash
from services.audit.domain.witness import WEEK_ZONE, letter, week_end

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
AT = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def checkpoint(partition: int, size: int) -> Checkpoint:
    return Checkpoint(f"mcu.appeals.v1/{partition}", size, leaf_hash(bytes([partition, size])),
                      AT, key_id(KEY.public_key())).signed_by(KEY)


def test_the_digest_is_the_same_whatever_the_order_and_changes_with_any_checkpoint():
    points = [checkpoint(0, 10), checkpoint(1, 7)]
    digest = witness_digest(points)
    assert digest == witness_digest(points[::-1])
    assert len(digest.split()) == 8 and all(len(g) == 8 for g in digest.split())
    assert witness_digest([checkpoint(0, 11), points[1]]) != digest  # another size
    assert witness_digest(points[:1]) != digest  # a partition left out


def test_the_week_ends_on_monday_midnight_in_moscow_and_the_letter_carries_it_all():
    until = week_end(date(2026, 12, 9))  # a Wednesday
    assert until == datetime(2026, 12, 7, 0, 0, tzinfo=WEEK_ZONE)
    assert week_end(date(2026, 12, 7)) == until  # the Monday itself
    points = [checkpoint(0, 10), checkpoint(1, 7)]
    subject, body = letter(points, until)
    assert "2026-W49" in subject and witness_digest(points)[:17] in subject
    assert f"Отпечаток журнала: {witness_digest(points)}" in body
    assert "07.12.2026 00:00 (UTC+03)" in body and "Записей под подписанными" in body
    assert all(p.text() in body for p in points)  # each checkpoint, to verify on its own
    assert Checkpoint.parse(points[0].text()).verified_by({key_id(KEY.public_key()):
                                                           KEY.public_key()})
