-- Tenancy: every row says its municipality and region (dimensions of every table and
-- indicator; analysts' SQL rows are limited by them). Rows written before tenancy belong
-- to the deployment's legacy municipality (bound as {legacy}, its region {legacy_region}).
ALTER TABLE events
    ADD COLUMN IF NOT EXISTS municipality LowCardinality(String) AFTER local_day,
    ADD COLUMN IF NOT EXISTS region LowCardinality(String) AFTER municipality;

ALTER TABLE events UPDATE municipality = {legacy:String}, region = {legacy_region:String}
WHERE municipality = '' SETTINGS mutations_sync = 2;

ALTER TABLE appeals
    ADD COLUMN IF NOT EXISTS municipality LowCardinality(String) AFTER registered_day,
    ADD COLUMN IF NOT EXISTS region LowCardinality(String) AFTER municipality;

ALTER TABLE appeals UPDATE municipality = {legacy:String}, region = {legacy_region:String}
WHERE municipality = '' SETTINGS mutations_sync = 2;

-- the daily aggregates gain the two dimensions (in their key): made again from events
DROP VIEW IF EXISTS daily_mv;

DROP TABLE IF EXISTS daily;

CREATE TABLE daily
(
    day              Date,
    municipality     LowCardinality(String),
    region           LowCardinality(String),
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
ORDER BY (day, region, municipality, recipient_id, topic, thematic_block, territory, channel,
          kind);

CREATE MATERIALIZED VIEW daily_mv TO daily AS
SELECT
    local_day AS day, municipality, region, recipient_id, topic, thematic_block, territory,
    channel, kind,
    count() AS events,
    sum(is_new) AS new, sum(is_repeat) AS repeat, sum(is_overdue) AS overdue,
    sum(is_postponed) AS postponed, sum(is_answered) AS answered,
    sum(on_time) AS on_time, sum(late) AS late, sum(lateness_seconds) AS lateness_seconds,
    sum(is_rework) AS reworks, sum(is_reopened) AS reopened, sum(is_returned) AS returned,
    sum(is_escalated) AS escalated, countIf(rating > 0) AS ratings,
    sum(rating) AS rating_sum, sum(is_satisfied) AS satisfied
FROM events
GROUP BY day, municipality, region, recipient_id, topic, thematic_block, territory, channel,
         kind;

INSERT INTO daily
SELECT
    local_day AS day, municipality, region, recipient_id, topic, thematic_block, territory,
    channel, kind,
    count() AS events,
    sum(is_new) AS new, sum(is_repeat) AS repeat, sum(is_overdue) AS overdue,
    sum(is_postponed) AS postponed, sum(is_answered) AS answered,
    sum(on_time) AS on_time, sum(late) AS late, sum(lateness_seconds) AS lateness_seconds,
    sum(is_rework) AS reworks, sum(is_reopened) AS reopened, sum(is_returned) AS returned,
    sum(is_escalated) AS escalated, countIf(rating > 0) AS ratings,
    sum(rating) AS rating_sum, sum(is_satisfied) AS satisfied
FROM events
GROUP BY day, municipality, region, recipient_id, topic, thematic_block, territory, channel,
         kind
