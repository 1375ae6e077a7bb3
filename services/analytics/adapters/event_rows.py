"""The events table as an auditor compares it with the log (`mcu audit verify
--analytics`): each row's identity, the fields it copies from the envelope, and where
ingestion stands per partition. Analytics owns the schema, so the queries live here."""

from __future__ import annotations

from services.analytics.adapters.clickhouse import ClickHouse


def event_rows(ch: ClickHouse) -> list[dict]:
    """Every row of `events` (deduplicated), payload as stored, time in ms since epoch."""
    return ch.rows(
        "SELECT toString(event_id) AS event_id, event_type, toString(appeal_id) AS appeal_id,"
        " seq, producer, toUnixTimestamp64Milli(occurred_at) AS occurred_at_ms, actor_id, "
        "actor_role, payload, `partition` AS partition, `offset` AS offset FROM events FINAL")


def loaded_up_to(ch: ClickHouse, topic: str) -> dict[int, int]:
    """Per partition of `topic`, the offset analytics has loaded up to (exclusive)."""
    return {r["partition"]: r["next_offset"] for r in ch.rows(
        "SELECT `partition` AS partition, max(next_offset) AS next_offset FROM "
        "ingest_positions FINAL WHERE topic = {topic:String} GROUP BY `partition`",
        {"topic": topic})}
