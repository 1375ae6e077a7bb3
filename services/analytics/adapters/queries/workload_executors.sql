-- Workload per executor: open now, overdue open, answered in the period.
SELECT
    executor_id,
    any(recipient_id) AS recipient_id,
    countIf(status NOT IN ('answered', 'closed', 'transferred')) AS open,
    countIf(overdue = 1 AND answered_at IS NULL) AS overdue_open,
    countIf(answered_at >= toDateTime64({start:Date}, 3) AND answered_at < toDateTime64({end:Date}, 3)) AS answered
FROM appeals_by_day FINAL
WHERE has({scope:Array(String)}, municipality) AND executor_id != ''
GROUP BY executor_id
ORDER BY open DESC, executor_id
