-- The current state of each appeal from its parsed events: the last value each event
-- kind left, counts and maxima. Mirrors `evolve` in services/analytics/domain/rows.py.
-- Nullable values ride in one-element tuples so that argMax keeps an explicit NULL.
INSERT INTO appeals (appeal_id, version, registered_at, registered_day, channel, kind, topic,
    thematic_block, territory, recipient_id, executor_id, status, due_at, answered_at, overdue,
    postponed, repeat, reworks, reopenings, returns, rating, escalation_level, last_event_at,
    events, applied)
SELECT
    appeal_id, {version:UInt64},
    argMaxIf(occurred_at, at, event_type = 'AppealRegistered') AS registered_at,
    toDate(registered_at, {zone:String}) AS registered_day,
    coalesce(argMaxIf(set_channel, at, set_channel IS NOT NULL), '') AS channel,
    coalesce(argMaxIf(set_kind, at, set_kind IS NOT NULL), '') AS kind,
    coalesce(argMaxIf(set_topic, at, set_topic IS NOT NULL), '') AS topic,
    coalesce(argMaxIf(set_block, at, set_block IS NOT NULL), '') AS thematic_block,
    coalesce(argMaxIf(set_territory, at, set_territory IS NOT NULL), '') AS territory,
    coalesce(argMaxIf(set_recipient, at, set_recipient IS NOT NULL), '') AS recipient_id,
    coalesce(argMaxIf(set_executor, at, set_executor IS NOT NULL), '') AS executor_id,
    if(countIf(has({status_events:Array(String)}, event_type)) = 0, 'unknown',
       argMaxIf(transform(event_type, {status_events:Array(String)}, {statuses:Array(String)}, ''),
                at, has({status_events:Array(String)}, event_type))) AS status,
    argMaxIf(set_due, at, set_due IS NOT NULL) AS due_at,
    argMaxIf(tuple(if(event_type = 'AnswerPublished', toNullable(occurred_at), NULL)), at,
             event_type IN ('AnswerPublished', 'AppealReopened')).1 AS answered_at,
    coalesce(argMaxIf(set_overdue, at, set_overdue IS NOT NULL), 0) AS overdue,
    coalesce(argMaxIf(set_postponed, at, set_postponed IS NOT NULL), 0) AS postponed,
    coalesce(argMaxIf(set_repeat, at, set_repeat IS NOT NULL), 0) AS repeat,
    countIf(event_type = 'AnswerReturnedForRework') AS reworks,
    countIf(event_type = 'AppealReopened') AS reopenings,
    countIf(event_type = 'AppealReturned') AS returns,
    argMaxIf(score, at, event_type = 'AppealRated') AS rating,
    maxIf(level, event_type = 'AppealEscalated') AS escalation_level,
    argMax(occurred_at, at) AS last_event_at,
    count() AS events,
    maxMap(map(producer, seq)) AS applied
FROM (SELECT *, (`partition`, `offset`) AS at FROM rebuild_events)
GROUP BY appeal_id
SETTINGS optimize_aggregation_in_order = 1
