-- Every event of the log, once (deduplicated by event_id before insert), with the
-- appeal's dimensions at the time and the metrics the event contributes.
CREATE TABLE IF NOT EXISTS events
(
    event_id         UUID,
    event_type       LowCardinality(String),
    schema_version   UInt16,
    appeal_id        UUID,
    seq              UInt32,
    producer         LowCardinality(String),
    occurred_at      DateTime64(3, 'UTC'),
    local_day        Date COMMENT 'day of occurred_at in the municipality time zone',
    actor_id         String,
    actor_role       LowCardinality(String),
    causation_id     Nullable(UUID),
    correlation_id   Nullable(UUID),
    payload          String COMMENT 'the event payload as JSON',
    channel          LowCardinality(String),
    kind             LowCardinality(String),
    topic            LowCardinality(String),
    thematic_block   LowCardinality(String),
    territory        LowCardinality(String),
    recipient_id     LowCardinality(String),
    executor_id      String,
    is_new           UInt8,
    is_repeat        UInt8,
    is_overdue       UInt8,
    is_postponed     UInt8,
    is_answered      UInt8,
    on_time          UInt8,
    late             UInt8,
    lateness_seconds UInt64,
    is_rework        UInt8,
    is_reopened      UInt8,
    is_returned      UInt8,
    is_escalated     UInt8,
    rating           UInt8 COMMENT '1..5, 0 when the event is not a rating',
    is_satisfied     UInt8,
    `partition`      UInt16,
    `offset`         UInt64,
    ingested_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(local_day)
ORDER BY (appeal_id, event_id);
