-- The events table for one batch: each event once, with its appeal's dimensions as they
-- were when it happened (the state before the batch, then the batch's own events) and the
-- metrics it contributes. Dimensions an event sets count for its own row, except the
-- executor (the row of an assignment carries the executor before it). An event already in
-- the table (a batch handled again) is not inserted twice.
INSERT INTO events (event_id, event_type, schema_version, appeal_id, seq, producer, occurred_at,
    local_day, municipality, region, actor_id, actor_role, causation_id, correlation_id, payload, channel, kind, topic,
    thematic_block, territory, recipient_id, executor_id, is_new, is_repeat, is_overdue,
    is_postponed, is_answered, on_time, late, lateness_seconds, is_rework, is_reopened,
    is_returned, is_escalated, rating, is_satisfied, `partition`, `offset`)
SELECT event_id, event_type, schema_version, appeal_id, seq, producer, occurred_at,
    local_day, municipality,
    transform(municipality, {municipalities:Array(String)}, {regions:Array(String)}, '') AS region,
    actor_id, actor_role, causation_id, correlation_id, payload, channel, kind, topic,
    thematic_block, territory, recipient_id, executor_id, is_new, is_repeat, is_overdue,
    is_postponed, is_answered, on_time, late, lateness_seconds, is_rework, is_reopened,
    is_returned, is_escalated, rating, is_satisfied, `partition`, `offset`
FROM (
SELECT
    is_seed, event_id, event_type, schema_version, appeal_id, seq, producer, occurred_at,
    coalesce(last_value(set_municipality) OVER upto, {legacy:String}) AS municipality,
    -- the day in the appeal's municipality's time zone (Projector writes the expression)
    {{local_day:occurred_at:coalesce(last_value(set_municipality) OVER upto, {legacy:String})}} AS local_day,
    actor_id, actor_role, causation_id, correlation_id, payload,
    coalesce(last_value(set_channel) OVER upto, '') AS channel,
    coalesce(last_value(set_kind) OVER upto, '') AS kind,
    coalesce(last_value(set_topic) OVER upto, '') AS topic,
    coalesce(last_value(set_block) OVER upto, '') AS thematic_block,
    coalesce(last_value(set_territory) OVER upto, '') AS territory,
    coalesce(last_value(set_recipient) OVER upto, '') AS recipient_id,
    coalesce(last_value(set_executor) OVER before, '') AS executor_id,
    event_type = 'AppealRegistered' AS is_new,
    multiIf(event_type = 'AppealRegistered', has_repeat_of,
            event_type = 'AppealMarkedRepeat', coalesce(last_value(set_repeat) OVER before, 0) = 0,
            event_type = 'AppealReopened', counts_repeat, 0) AS is_repeat,
    event_type = 'DeadlineBreached' AND answer_stage AS is_overdue,
    event_type = 'AppealPostponed' AS is_postponed,
    event_type = 'AnswerPublished' AS is_answered,
    last_value(set_due) OVER before AS due_before,
    event_type = 'DeadlineStopped' AND answer_stage AND due_before IS NOT NULL AS stopped,
    stopped AND met AS on_time,
    stopped AND NOT met AS late,
    if(late, greatest(intDiv(toUnixTimestamp64Milli(occurred_at)
                             - toUnixTimestamp64Milli(assumeNotNull(due_before)), 1000), 0), 0)
        AS lateness_seconds,
    event_type = 'AnswerReturnedForRework' AS is_rework,
    event_type = 'AppealReopened' AS is_reopened,
    event_type = 'AppealReturned' AS is_returned,
    event_type = 'AppealEscalated' AS is_escalated,
    score AS rating,
    satisfied AS is_satisfied,
    `partition`, `offset`
FROM projection_input(batch = {batch:UInt64})
WINDOW
    upto AS (PARTITION BY appeal_id ORDER BY position
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
    before AS (PARTITION BY appeal_id ORDER BY position
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
WHERE NOT is_seed
  AND event_id NOT IN (
      SELECT event_id FROM events
      WHERE appeal_id IN (SELECT appeal_id FROM log_parsed WHERE batch = {batch:UInt64}))
-- rows are unique by event_id already: merging on insert would only repeat that work
SETTINGS optimize_on_insert = 0
