-- Workload per thematic block: open now, registered in the period, overdue open.
SELECT
    if(thematic_block = '', 'не определён', thematic_block) AS block,
    countIf(status NOT IN ('answered', 'closed', 'transferred')) AS open,
    countIf(registered_day >= {start:Date} AND registered_day < {end:Date}) AS new,
    countIf(overdue = 1 AND answered_at IS NULL) AS overdue_open
FROM appeals_by_day FINAL
WHERE has({scope:Array(String)}, municipality)
GROUP BY block
ORDER BY open DESC, block
