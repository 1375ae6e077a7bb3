-- Where ingestion stopped in each log partition: a restart resumes exactly here.
CREATE TABLE IF NOT EXISTS ingest_positions
(
    topic       String,
    `partition` UInt16,
    next_offset UInt64,
    updated_at  DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (topic, `partition`);
