"""A partition verified against its signed checkpoint: a faithful log passes; a changed,
removed, inserted or swapped record is named with its offset and appeal; a store that does
not rebuild the signed root is not believed; an unsigned checkpoint counts for nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.checkpoint import Checkpoint, key_id
from services.audit.domain.record import Frontier, content, leaf
from services.audit.domain.verify import Kept, Seen, verify_partition

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEYS = {key_id(KEY.public_key()): KEY.public_key()}
RECORDS = [(f"appeal-{i % 4}", f"событие {i}".encode()) for i in range(12)]


def kept() -> list[Kept]:
    return [Kept(i, content(a.encode(), v), a) for i, (a, v) in enumerate(RECORDS)]


def seen(records=RECORDS) -> list[Seen]:
    return [Seen(i, content(a.encode(), v), a) for i, (a, v) in enumerate(records)]


def checkpoint(size: int) -> Checkpoint:
    frontier = Frontier()
    for k in kept()[:size]:
        frontier.append(leaf(0, k.offset, k.content))
    return Checkpoint("mcu.appeals.v1/0", size, frontier.root(),
                      datetime(2026, 12, 7, tzinfo=UTC), key_id(KEY.public_key())).signed_by(KEY)


CHECKPOINTS = [checkpoint(5), checkpoint(10)]


def named(records) -> list[tuple[int | None, str | None, str]]:
    report = verify_partition(0, CHECKPOINTS, kept(), seen(records), KEYS)
    return [(d.offset, d.appeal_id, d.what) for d in report.discrepancies]


def test_a_faithful_log_passes_and_says_how_much_was_covered():
    report = verify_partition(0, CHECKPOINTS, kept(), seen(), KEYS)
    assert report.discrepancies == () and (report.records, report.covered) == (12, 10)
    assert report.checkpoints == 2


def test_a_changed_record_is_named_with_its_appeal():
    records = list(RECORDS)
    records[7] = (records[7][0], "событие 7, дата ответа исправлена".encode())
    assert named(records) == [(7, "appeal-3", "запись изменена")]


def test_a_removed_record_and_the_shift_after_it_are_named():
    records = RECORDS[:3] + RECORDS[4:]
    found = named(records)
    assert found[0][:2] == (3, "appeal-3") and "удалена" in found[0][2]


def test_two_swapped_records_are_named_both():
    records = list(RECORDS)
    records[2], records[8] = records[8], records[2]
    assert [(o, "переставлены" in w) for o, _, w in named(records)] == [(2, True), (8, True)]


def test_an_inserted_record_is_named():
    records = RECORDS[:6] + [("appeal-9", "лишнее событие".encode())] + RECORDS[6:]
    found = named(records)
    assert found[0][0] == 6 and found[0][2] == "запись изменена"  # a record never committed
    assert any("вставлена" in w for _, _, w in found[1:])


def test_a_log_shorter_than_the_checkpoint_is_named():
    assert named(RECORDS[:8])[0] == (8, "appeal-0",
                                     "запись отсутствует: журнал короче контрольной точки")


def test_a_store_that_does_not_rebuild_the_signed_root_is_not_believed():
    tampered_store = kept()
    tampered_store[2] = replace(tampered_store[2], content=b"\x00" * 32)
    records = list(RECORDS)
    records[2] = (records[2][0], b"forged")
    report = verify_partition(0, CHECKPOINTS, tampered_store, seen(records), KEYS)
    [only] = report.discrepancies
    assert only.offset is None and "не подтверждено" in only.what


def test_an_unsigned_checkpoint_counts_for_nothing():
    forged = replace(CHECKPOINTS[1], size=11)
    report = verify_partition(0, [forged], kept(), seen(), KEYS)
    assert report.covered == 0 and "не подписана" in report.discrepancies[0].what

