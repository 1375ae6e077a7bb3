-- Working tables of a rebuild (dropped when it ends). The log's records are inserted into
-- `rebuild_log` (engine Null: nothing stored); a materialized view (parse.sql) parses each
-- block into `rebuild_parsed` as it is inserted, while Python reads the next one from Kafka.
-- Records of an older schema version keep their raw value there (`stale`): Python upcasts
-- them and inserts them again at the latest version.
CREATE TABLE IF NOT EXISTS rebuild_log
(
    `partition` UInt16,
    `offset`    UInt64,
    value       String
)
ENGINE = Null;

-- The catalog and the envelope's shape, from contracts/ (filled before the log is read).
CREATE TABLE IF NOT EXISTS rebuild_catalog
(
    type_version String COMMENT 'EventType:version',
    latest       UInt8
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS rebuild_envelope
(
    keys     Array(String),
    required Array(String),
    roles    Array(String)
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS rebuild_parsed
(
    `partition`     UInt16,
    `offset`        UInt64,
    position        UInt64 COMMENT 'the position in the log as one number (partition << 48 | offset): one integer to order by and compare in argMax, cheaper than the pair',
    stale           UInt8,
    stale_value     String COMMENT 'the raw record, for stale ones only',
    event_id        UUID,
    event_type      LowCardinality(String),
    schema_version  UInt16,
    appeal_id       UUID,
    seq             UInt32,
    producer        LowCardinality(String),
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
    answer_stage    UInt8 COMMENT 'a deadline event of the answer stage',
    met             UInt8,
    counts_repeat   UInt8 COMMENT 'a reopening that counts as a repeat',
    has_repeat_of   UInt8,
    level           UInt8,
    score           UInt8,
    satisfied       UInt8
)
ENGINE = MergeTree
PARTITION BY `partition`  -- a wave reads only its own partitions
ORDER BY (appeal_id, position);

-- Each event of the appeals of some partitions once: the first copy of an event_id in log
-- order wins (a republished event keeps its id; copies of one appeal's event are in one
-- partition). Copies are rare: only their positions are gathered, not every row sorted.
CREATE VIEW IF NOT EXISTS rebuild_events AS
SELECT *
FROM rebuild_parsed
WHERE has({partitions:Array(UInt16)}, `partition`) AND NOT stale
  AND position NOT IN (
      SELECT arrayJoin(arrayFilter(p -> p != first, positions))
      FROM (SELECT groupArray(position) AS positions, min(position) AS first
            FROM rebuild_parsed
            WHERE has({partitions:Array(UInt16)}, `partition`) AND NOT stale
            GROUP BY event_id
            HAVING count() > 1))
