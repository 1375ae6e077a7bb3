-- New, repeat, overdue, postponed (and answered) appeals per value of one dimension.
SELECT
    {dim:Identifier} AS value,
    sum(new) AS new, sum(repeat) AS repeat, sum(overdue) AS overdue,
    sum(postponed) AS postponed, sum(answered) AS answered
FROM daily
WHERE has({scope:Array(String)}, municipality) AND day >= {start:Date} AND day < {end:Date}
GROUP BY value
ORDER BY new DESC, value
