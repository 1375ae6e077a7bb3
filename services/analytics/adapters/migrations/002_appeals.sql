-- Current state of each appeal: the latest row per appeal wins (query with FINAL).
CREATE TABLE IF NOT EXISTS appeals
(
    appeal_id        UUID,
    version          UInt64,
    registered_at    DateTime64(3, 'UTC'),
    registered_day   Date,
    channel          LowCardinality(String),
    kind             LowCardinality(String),
    topic            LowCardinality(String),
    thematic_block   LowCardinality(String),
    territory        LowCardinality(String),
    recipient_id     LowCardinality(String),
    executor_id      String,
    status           LowCardinality(String),
    due_at           Nullable(DateTime64(3, 'UTC')),
    answered_at      Nullable(DateTime64(3, 'UTC')),
    overdue          UInt8,
    postponed        UInt8,
    repeat           UInt8,
    reworks          UInt16,
    reopenings       UInt16,
    returns          UInt16,
    rating           UInt8,
    escalation_level UInt8,
    last_event_at    DateTime64(3, 'UTC'),
    events           UInt32,
    applied          Map(String, UInt32) COMMENT 'highest seq applied per producer'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY appeal_id;
