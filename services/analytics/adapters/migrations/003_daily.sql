-- Daily aggregates by every dimension, maintained by a materialized view on events.
CREATE TABLE IF NOT EXISTS daily
(
    day              Date,
    recipient_id     LowCardinality(String),
    topic            LowCardinality(String),
    thematic_block   LowCardinality(String),
    territory        LowCardinality(String),
    channel          LowCardinality(String),
    kind             LowCardinality(String),
    events           UInt64,
    new              UInt64,
    repeat           UInt64,
    overdue          UInt64,
    postponed        UInt64,
    answered         UInt64,
    on_time          UInt64,
    late             UInt64,
    lateness_seconds UInt64,
    reworks          UInt64,
    reopened         UInt64,
    returned         UInt64,
    escalated        UInt64,
    ratings          UInt64,
    rating_sum       UInt64,
    satisfied        UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, recipient_id, topic, thematic_block, territory, channel, kind);

CREATE MATERIALIZED VIEW IF NOT EXISTS daily_mv TO daily AS
SELECT
    local_day AS day, recipient_id, topic, thematic_block, territory, channel, kind,
    count() AS events,
    sum(is_new) AS new, sum(is_repeat) AS repeat, sum(is_overdue) AS overdue,
    sum(is_postponed) AS postponed, sum(is_answered) AS answered,
    sum(on_time) AS on_time, sum(late) AS late, sum(lateness_seconds) AS lateness_seconds,
    sum(is_rework) AS reworks, sum(is_reopened) AS reopened, sum(is_returned) AS returned,
    sum(is_escalated) AS escalated, countIf(rating > 0) AS ratings,
    sum(rating) AS rating_sum, sum(is_satisfied) AS satisfied
FROM events
GROUP BY day, recipient_id, topic, thematic_block, territory, channel, kind;
