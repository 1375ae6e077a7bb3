-- Open overdue appeals, the longest overdue first.
SELECT appeal_id, municipality, topic, territory, recipient_id, executor_id, due_at,
       dateDiff('hour', due_at, {now:DateTime64(3)}) AS overdue_hours
FROM appeals_by_day FINAL
WHERE has({scope:Array(String)}, municipality) AND overdue = 1 AND answered_at IS NULL AND status NOT IN ('closed', 'transferred')
ORDER BY due_at
LIMIT {limit:UInt32}
