-- The region's view of its municipal MCUs over appeals registered in the period.
SELECT
    municipality,
    any(region) AS region,
    count() AS appeals,
    countIf(answered_at IS NOT NULL) AS answered,
    countIf(answered_at IS NOT NULL AND (due_at IS NULL OR answered_at <= due_at)) AS on_time,
    countIf(answered_at IS NULL AND overdue = 1) AS overdue_open,
    countIf(rating > 0) AS ratings,
    countIf(rating >= {satisfied_from:UInt8}) AS satisfied
FROM appeals_by_day FINAL
WHERE has({scope:Array(String)}, municipality)
  AND registered_day >= {start:Date} AND registered_day < {end:Date}
GROUP BY municipality
ORDER BY municipality
