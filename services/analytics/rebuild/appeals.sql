-- The current state of each appeal from its parsed events: the last value each event
-- kind left, counts and maxima. Mirrors `evolve` in services/analytics/domain/rows.py.
-- Nullable values ride in one-element tuples so that argMax keeps an explicit NULL.
INSERT INTO appeals (appeal_id, version, registered_at, registered_day, channel, kind, topic,
    thematic_block, territory, recipient_id, executor_id, status, due_at, answered_at, overdue,
    postponed, repeat, reworks, reopenings, returns, rating, escalation_level, last_event_at,
    events, applied)
SELECT
    appeal_id, {version:UInt64},
    argMaxIf(occurred_at, position, event_type = 'AppealRegistered') AS registered_at,
    toDate(registered_at, {zone:String}) AS registered_day,
    coalesce(argMaxIf(set_channel, position, set_channel IS NOT NULL), '') AS channel,
    coalesce(argMaxIf(set_kind, position, set_kind IS NOT NULL), '') AS kind,
    coalesce(argMaxIf(set_topic, position, set_topic IS NOT NULL), '') AS topic,
    coalesce(argMaxIf(set_block, position, set_block IS NOT NULL), '') AS thematic_block,
    coalesce(argMaxIf(set_territory, position, set_territory IS NOT NULL), '') AS territory,
    coalesce(argMaxIf(set_recipient, position, set_recipient IS NOT NULL), '') AS recipient_id,
    coalesce(argMaxIf(set_executor, position, set_executor IS NOT NULL), '') AS executor_id,
    if(countIf(has({status_events:Array(String)}, event_type)) = 0, 'unknown',
       argMaxIf(transform(event_type, {status_events:Array(String)}, {statuses:Array(String)}, ''),
                position, has({status_events:Array(String)}, event_type))) AS status,
    argMaxIf(set_due, position, set_due IS NOT NULL) AS due_at,
    argMaxIf(tuple(if(event_type = 'AnswerPublished', toNullable(occurred_at), NULL)), position,
             event_type IN ('AnswerPublished', 'AppealReopened')).1 AS answered_at,
    coalesce(argMaxIf(set_overdue, position, set_overdue IS NOT NULL), 0) AS overdue,
    coalesce(argMaxIf(set_postponed, position, set_postponed IS NOT NULL), 0) AS postponed,
    coalesce(argMaxIf(set_repeat, position, set_repeat IS NOT NULL), 0) AS repeat,
    countIf(event_type = 'AnswerReturnedForRework') AS reworks,
    countIf(event_type = 'AppealReopened') AS reopenings,
    countIf(event_type = 'AppealReturned') AS returns,
    argMaxIf(score, position, event_type = 'AppealRated') AS rating,
    maxIf(level, event_type = 'AppealEscalated') AS escalation_level,
    argMax(occurred_at, position) AS last_event_at,
    count() AS events,
    -- the array form of maxMap: a Map built for each row cost as much as the rest together
    CAST(maxMap([producer], [seq]), 'Map(String, UInt32)') AS applied
FROM rebuild_events(partitions = {partitions:Array(UInt16)})
GROUP BY appeal_id
-- one row per appeal already: merging on insert would repeat that work
SETTINGS optimize_on_insert = 0
