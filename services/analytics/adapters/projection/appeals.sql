-- The state of each appeal one batch touches: its state before the batch (the row at
-- position 0) folded with the batch's events, the last value each kind of event left,
-- counts and maxima. Nullable values ride in one-element tuples so that argMax keeps an
-- explicit NULL.
INSERT INTO appeals (appeal_id, version, registered_at, registered_day, municipality, region,
    channel, kind, topic,
    thematic_block, territory, recipient_id, executor_id, status, due_at, answered_at,
    delivered_at, delivery_channel, delivery_failures, overdue,
    postponed, repeat, reworks, reopenings, returns, rating, escalation_level, last_event_at,
    events, applied)
SELECT
    appeal_id, {version:UInt64},
    coalesce(argMaxIf(set_registered_at, position, set_registered_at IS NOT NULL),
             toDateTime64(0, 3, 'UTC')) AS registered_at,
    {{local_day:registered_at:municipality}} AS registered_day,
    coalesce(argMaxIf(set_municipality, position, set_municipality IS NOT NULL), {legacy:String}) AS municipality,
    transform(municipality, {municipalities:Array(String)}, {regions:Array(String)}, '') AS region,
    coalesce(argMaxIf(set_channel, position, set_channel IS NOT NULL), '') AS channel,
    coalesce(argMaxIf(set_kind, position, set_kind IS NOT NULL), '') AS kind,
    coalesce(argMaxIf(set_topic, position, set_topic IS NOT NULL), '') AS topic,
    coalesce(argMaxIf(set_block, position, set_block IS NOT NULL), '') AS thematic_block,
    coalesce(argMaxIf(set_territory, position, set_territory IS NOT NULL), '') AS territory,
    coalesce(argMaxIf(set_recipient, position, set_recipient IS NOT NULL), '') AS recipient_id,
    coalesce(argMaxIf(set_executor, position, set_executor IS NOT NULL), '') AS executor_id,
    -- 'unknown': no event of the appeal has said a status (its registration not seen)
    coalesce(argMaxIf(set_status, position, set_status IS NOT NULL), 'unknown') AS status,
    argMaxIf(set_due, position, set_due IS NOT NULL) AS due_at,
    argMaxIf(tuple(set_answered_at), position, answered_changes).1 AS answered_at,
    -- a new answer or a reopening: not delivered (again) until the next AnswerDelivered
    argMaxIf(tuple(set_delivered_at), position, delivered_changes).1 AS delivered_at,
    coalesce(argMaxIf(set_delivery_channel, position, set_delivery_channel IS NOT NULL), '')
        AS delivery_channel,
    sum(add_delivery_failures) AS delivery_failures,
    coalesce(argMaxIf(set_overdue, position, set_overdue IS NOT NULL), 0) AS overdue,
    coalesce(argMaxIf(set_postponed, position, set_postponed IS NOT NULL), 0) AS postponed,
    coalesce(argMaxIf(set_repeat, position, set_repeat IS NOT NULL), 0) AS repeat,
    sum(add_reworks) AS reworks,
    sum(add_reopenings) AS reopenings,
    sum(add_returns) AS returns,
    coalesce(argMaxIf(set_rating, position, set_rating IS NOT NULL), 0) AS rating,
    max(level) AS escalation_level,
    argMax(occurred_at, position) AS last_event_at,
    sum(add_events) AS events,
    -- the array form of maxMap: a Map built for each row cost as much as the rest together
    CAST(maxMap(applied_producers, applied_seqs), 'Map(String, UInt32)') AS applied
FROM projection_input(batch = {batch:UInt64})
GROUP BY appeal_id
HAVING countIf(NOT is_seed) > 0  -- an appeal whose events of the batch were all applied
-- one row per appeal already: merging on insert would repeat that work
SETTINGS optimize_on_insert = 0
