-- Each valid record of the log, parsed as it is staged (a materialized view on the Null
-- table `log_staging`): what each event sets in its appeal's state. Valid means what the
-- envelope check of contracts/codec.py accepts: a JSON object with the envelope's keys and
-- no others, UUIDs where UUIDs belong, a known event type and version (older versions
-- marked `stale`, with their raw value), seq >= 1, an aware UTC time, an actor with a known
-- role, a payload object. A record that is not valid is not parsed (the ingest sends it to
-- the dead-letter topic). Duplicates stay: input.sql keeps the first copy of an event_id.
-- This view is dropped and created again each time the projection opens, so a change here
-- needs no migration (the tables it writes do).
DROP VIEW IF EXISTS log_parse_mv;

CREATE MATERIALIZED VIEW log_parse_mv TO log_parsed AS
WITH
    JSONExtract(value, 'Tuple(event_id String, event_type String, schema_version UInt32,
        appeal_id String, seq Int64, occurred_at String, producer String, municipality String,
        causation_id Nullable(String), correlation_id Nullable(String),
        actor Tuple(id String, role String), payload String)') AS e,
    JSONExtract(e.payload, 'Tuple(channel String, kind String, applicant_topic String,
        location Tuple(territory String),
        classification Tuple(kind String, topic String, thematic_block String, territory String),
        recipient_id String, decided_recipient_id String, executor_id String, stage String,
        due_at String, met Bool, counts_as_repeat Nullable(Bool), repeat_of Nullable(String),
        level UInt8, score UInt8, satisfied Bool, reason String)') AS p,
    e.event_type AS t,
    parseDateTime64BestEffortOrNull(e.occurred_at, 3, 'UTC') AS at,
    p.classification.topic AS c_topic,
    p.classification.thematic_block AS c_block,
    p.classification.territory AS c_territory,
    p.stage = 'answer' AS answer,
    t = 'AppealRegistered' AS reg,
    t = 'AppealClassified' AS cls,
    t IN ('DeadlineSet', 'DeadlineExtended', 'DeadlineResumed') AND answer AS due_set,
    -- only a reopening says whether it counts as a repeat (a key absent means it does);
    -- `if` evaluates JSONHas for those rows alone
    t = 'AppealReopened' AND if(JSONHas(e.payload, 'counts_as_repeat'),
                                coalesce(p.counts_as_repeat, 0), 1) AS cas,
    JSONExtractKeys(value) AS keys,
    concat(t, ':', toString(e.schema_version)) AS type_version,
    type_version IN (SELECT type_version FROM projection_catalog WHERE NOT latest) AS is_stale,
    toUUIDOrNull(e.event_id) AS event_uuid,
    toUUIDOrNull(e.appeal_id) AS appeal_uuid
SELECT
    batch, `partition`, `offset`,
    bitOr(bitShiftLeft(toUInt64(`partition`), 48), `offset`) + 1 AS position,
    is_stale AS stale,
    if(is_stale, value, '') AS stale_value,
    assumeNotNull(event_uuid) AS event_id,
    t AS event_type,
    e.schema_version AS schema_version,
    assumeNotNull(appeal_uuid) AS appeal_id,
    e.seq AS seq,
    e.producer AS producer,
    nullIf(e.municipality, '') AS set_municipality,
    assumeNotNull(at) AS occurred_at,
    e.actor.id AS actor_id,
    e.actor.role AS actor_role,
    toUUIDOrNull(e.causation_id) AS causation_id,
    toUUIDOrNull(e.correlation_id) AS correlation_id,
    e.payload AS payload,
    if(reg, p.channel, NULL) AS set_channel,
    multiIf(reg, p.kind, cls, p.classification.kind, NULL) AS set_kind,
    -- AppealRegistered.topic and .territory (contracts): classified, else the channel's
    multiIf(reg, if(c_topic != '', c_topic, p.applicant_topic),
            cls AND c_topic != '', c_topic, NULL) AS set_topic,
    multiIf(reg, c_block, cls AND c_block != '', c_block, NULL) AS set_block,
    multiIf(reg, if(c_territory != '', c_territory, p.location.territory),
            cls AND c_territory != '', c_territory, NULL) AS set_territory,
    multiIf(t IN ('AppealRouted', 'DisputeResolved'),
            if(p.recipient_id != '', p.recipient_id, p.decided_recipient_id),
            t = 'AppealAssigned', p.recipient_id, NULL) AS set_recipient,
    if(t = 'AppealAssigned', p.executor_id, NULL) AS set_executor,
    multiIf(reg, p.repeat_of IS NOT NULL, t = 'AppealMarkedRepeat', 1,
            cas, 1, NULL) AS set_repeat,
    if(due_set, parseDateTime64BestEffort(p.due_at, 3, 'UTC'), NULL) AS set_due,
    multiIf(t = 'DeadlineBreached' AND answer, 1, due_set OR t = 'AppealReopened', 0, NULL)
        AS set_overdue,
    multiIf(t = 'AppealPostponed', 1,
            t = 'AnswerPublished' OR (t = 'DeadlineResumed' AND answer), 0, NULL) AS set_postponed,
    -- contracts/status.py: STATUS_AFTER, and its two rules that read the payload
    multiIf(t = 'AppealAssigned' AND p.executor_id = '', 'subordinate',
            t = 'AppealClosed' AND p.reason = 'transferred', 'transferred',
            nullIf(transform(t, (SELECT event_types FROM projection_statuses),
                             (SELECT statuses FROM projection_statuses), ''), '')) AS set_status,
    answer AS answer_stage,
    p.met AS met,
    cas AS counts_repeat,
    p.repeat_of IS NOT NULL AS has_repeat_of,
    if(t = 'AppealEscalated', p.level, 0) AS level,
    if(t = 'AppealRated', p.score, 0) AS score,
    if(t = 'AppealRated', p.satisfied, 0) AS satisfied
FROM log_staging
WHERE hasAll((SELECT keys FROM projection_envelope), keys)
  AND hasAll(keys, (SELECT required FROM projection_envelope))
  AND type_version IN (SELECT type_version FROM projection_catalog)
  AND event_uuid IS NOT NULL
  AND appeal_uuid IS NOT NULL
  AND e.seq >= 1
  AND e.producer != ''
  AND at IS NOT NULL
  AND (endsWith(e.occurred_at, 'Z') OR endsWith(e.occurred_at, '+00:00'))
  AND e.actor.id != ''
  AND has((SELECT roles FROM projection_envelope), e.actor.role)
  AND startsWith(e.payload, '{')
