-- What one batch folds: for each appeal it touches, its state before the batch (a row at
-- position 0 made from `appeals`) and then its events of the batch in log order. An event
-- is taken once (the first copy of an event_id: a republished event keeps its id, and an
-- appeal's copies are in one partition) and only if the state has not applied it (its seq
-- above the state's for its producer: a batch handled again after a failure does not count
-- an event twice). events.sql and appeals.sql read it: the same SQL serves the live ingest
-- and the rebuild. A rebuild's waves have no state before them (their tables start empty),
-- so it reads `batch_events`, the same events without the states and the check, in the
-- order they are stored (no sort, and the two fills run at once).
CREATE OR REPLACE VIEW batch_events AS
SELECT
    0 AS is_seed, position, appeal_id, event_id, event_type, schema_version, seq, producer,
    set_municipality, occurred_at, actor_id, actor_role, causation_id, correlation_id, payload, `partition`,
    `offset`, set_channel, set_kind, set_topic, set_block, set_territory, set_recipient,
    set_executor, set_repeat, set_due, set_overdue, set_postponed, set_status,
    if(event_type = 'AppealRegistered', toNullable(occurred_at), NULL) AS set_registered_at,
    event_type IN ('AnswerPublished', 'AppealReopened') AS answered_changes,
    if(event_type = 'AnswerPublished', toNullable(occurred_at), NULL) AS set_answered_at,
    if(event_type = 'AppealRated', toNullable(score), NULL) AS set_rating,
    answer_stage, met, counts_repeat, has_repeat_of, level, score, satisfied,
    toUInt32(event_type = 'AnswerReturnedForRework') AS add_reworks,
    toUInt32(event_type = 'AppealReopened') AS add_reopenings,
    toUInt32(event_type = 'AppealReturned') AS add_returns,
    toUInt32(1) AS add_events,
    [toString(producer)] AS applied_producers, [seq] AS applied_seqs,
    event_type IN ('AnswerDelivered', 'AnswerPublished', 'AppealReopened') AS delivered_changes,
    -- a letter's posting day, recorded afterwards (dispatched_at), else when it was recorded
    if(event_type = 'AnswerDelivered', toNullable(least(occurred_at, coalesce(
        parseDateTime64BestEffortOrNull(JSONExtractString(payload, 'dispatched_at'), 3, 'UTC'),
        occurred_at))), NULL) AS set_delivered_at,
    if(event_type = 'AnswerDelivered', JSONExtractString(payload, 'channel'), NULL)
        AS set_delivery_channel,
    toUInt32(event_type = 'DeliveryFailed') AS add_delivery_failures
FROM log_parsed
WHERE batch = {batch:UInt64} AND NOT stale
  AND position NOT IN (
      SELECT arrayJoin(arrayFilter(p -> p != first, positions))
      FROM (SELECT groupArray(position) AS positions, min(position) AS first
            FROM log_parsed
            WHERE batch = {batch:UInt64} AND NOT stale
            GROUP BY event_id
            HAVING count() > 1));

CREATE OR REPLACE VIEW projection_input AS
WITH
    before AS (
        SELECT * FROM appeals FINAL
        WHERE appeal_id IN (SELECT appeal_id FROM log_parsed WHERE batch = {batch:UInt64}))
SELECT b.*
FROM batch_events(batch = {batch:UInt64}) AS b
LEFT JOIN (SELECT appeal_id, applied FROM before) AS s ON s.appeal_id = b.appeal_id
WHERE b.seq > s.applied[toString(b.producer)]
UNION ALL
SELECT
    1, 0, appeal_id, toUUID('00000000-0000-0000-0000-000000000000'), '', 0, 0, '',
    nullIf(municipality, ''), last_event_at, '', '', NULL, NULL, '', 0, 0,
    nullIf(channel, ''), nullIf(kind, ''), nullIf(topic, ''), nullIf(thematic_block, ''),
    nullIf(territory, ''), nullIf(recipient_id, ''), nullIf(executor_id, ''),
    toNullable(repeat), due_at, toNullable(overdue), toNullable(postponed), nullIf(status, ''),
    if(registered_at > toDateTime64(0, 3, 'UTC'), toNullable(registered_at), NULL), 1,
    answered_at, if(rating > 0, toNullable(rating), NULL),
    0, 0, 0, 0, escalation_level, 0, 0,
    reworks, reopenings, returns, events,
    mapKeys(applied), mapValues(applied),
    1, delivered_at, nullIf(delivery_channel, ''), delivery_failures
FROM before
