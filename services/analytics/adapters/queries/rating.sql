-- Components of the recipients' rating over appeals registered in the period
-- (current state: the recipient that holds the appeal now).
SELECT
    municipality,
    recipient_id,
    count() AS appeals,
    countIf(answered_at IS NOT NULL) AS answered,
    countIf(answered_at IS NOT NULL AND (due_at IS NULL OR answered_at <= due_at)) AS on_time,
    countIf(answered_at IS NOT NULL AND due_at IS NOT NULL AND answered_at > due_at) AS late,
    avgIf(dateDiff('second', due_at, answered_at),
          answered_at IS NOT NULL AND due_at IS NOT NULL AND answered_at > due_at) AS mean_late_seconds,
    countIf(answered_at IS NULL AND overdue = 1) AS overdue_open,
    sum(reworks) AS reworks,
    sum(reopenings) AS reopenings,
    countIf(rating > 0) AS ratings,
    avgIf(rating, rating > 0) AS mean_rating,
    countIf(rating >= {satisfied_from:UInt8}) AS satisfied
FROM appeals_by_day FINAL
WHERE has({scope:Array(String)}, municipality) AND registered_day >= {start:Date} AND registered_day < {end:Date} AND recipient_id != ''
GROUP BY municipality, recipient_id
