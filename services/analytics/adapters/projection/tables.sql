-- The one projection's working tables, for the live ingest and the rebuild alike. The
-- log's records are inserted into `log_staging` (engine Null: nothing stored) under a
-- batch number; a materialized view (parse.sql) parses each block into `log_parsed` as it
-- is inserted. Each batch is one partition of `log_parsed`, dropped once its rows and
-- states are computed (events.sql, appeals.sql). Records of an older schema version keep
-- their raw value (`stale`): Python upcasts them (the catalog's upcasters, one definition)
-- and stages them again at the latest version.
CREATE TABLE IF NOT EXISTS log_staging
(
    batch       UInt64,
    `partition` UInt16,
    `offset`    UInt64,
    value       String
)
ENGINE = Null;

-- The catalog, the envelope's shape and the status vocabulary, from contracts/ (filled each
-- time the projection opens: Memory tables do not outlive the process).
CREATE TABLE IF NOT EXISTS projection_catalog
(
    type_version String COMMENT 'EventType:version',
    latest       UInt8
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS projection_envelope
(
    keys     Array(String),
    required Array(String),
    roles    Array(String)
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS projection_statuses
(
    event_types Array(String) COMMENT 'contracts.vocabulary.STATUS_AFTER: the status an event type leaves',
    statuses    Array(String)
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS log_parsed
(
    batch           UInt64,
    `partition`     UInt16,
    `offset`        UInt64,
    position        UInt64 COMMENT 'the position in the log as one number ((partition << 48 | offset) + 1, and 0 stands for an appeal''s state before the batch): one integer to order by and compare in argMax',
    stale           UInt8,
    stale_value     String COMMENT 'the raw record, for stale ones only',
    event_id        UUID,
    event_type      LowCardinality(String),
    schema_version  UInt16,
    appeal_id       UUID,
    seq             UInt32,
    producer        LowCardinality(String),
    set_municipality Nullable(String) COMMENT 'the envelope''s (NULL: an event from before tenancy)',
    occurred_at     DateTime64(3, 'UTC'),
    actor_id        String,
    actor_role      LowCardinality(String),
    causation_id    Nullable(UUID),
    correlation_id  Nullable(UUID),
    payload         String,
    -- what the event sets in the appeal's state (NULL: leaves it as it was)
    set_channel     Nullable(String),
    set_kind        Nullable(String),
    set_topic       Nullable(String),
    set_block       Nullable(String),
    set_territory   Nullable(String),
    set_recipient   Nullable(String),
    set_executor    Nullable(String),
    set_repeat      Nullable(UInt8),
    set_due         Nullable(DateTime64(3, 'UTC')),
    set_overdue     Nullable(UInt8),
    set_postponed   Nullable(UInt8),
    set_status      Nullable(String),
    answer_stage    UInt8 COMMENT 'a deadline event of the answer stage',
    met             UInt8,
    counts_repeat   UInt8 COMMENT 'a reopening that counts as a repeat',
    has_repeat_of   UInt8,
    level           UInt8,
    score           UInt8,
    satisfied       UInt8
)
ENGINE = MergeTree
PARTITION BY batch
ORDER BY (appeal_id, position);
