"""The memo's last section: the log's witness as the audit service gives it, in the
municipality's time, or a plain sentence when the audit service did not answer."""

from __future__ import annotations

from services.analytics.adapters.memo.render import witness_text

DIGEST = "ab47683c c1bc31dc 4d8ccf36 945ba909 17a7c0e0 0fd1d5f4 daeadb75 cb4c020c"


def test_the_witness_is_printed_whole_with_its_moment_and_what_it_covers():
    text = witness_text({"witness": {"until": "2026-12-07T00:00:00+03:00", "digest": DIGEST,
                                     "records": 287004, "checkpoints": [{}] * 6}})
    assert text.startswith(f"Отпечаток журнала на 07.12.2026 00:00 (UTC+03): {DIGEST}.")
    assert "Охвачено записей журнала: 287004, разделов: 6" in text


def test_without_the_audit_service_the_memo_says_so():
    assert witness_text({"witness": None}).startswith("Отпечаток журнала не получен")
    assert witness_text({}).startswith("Отпечаток журнала не получен")
