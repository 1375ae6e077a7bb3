-- Topics x territories: new appeals in the period and in the period before it.
SELECT
    topic, territory,
    sumIf(new, day >= {start:Date}) AS current,
    sumIf(new, day < {start:Date}) AS previous
FROM daily
WHERE has({scope:Array(String)}, municipality) AND day >= {prev_start:Date} AND day < {end:Date} AND topic != '' AND territory != ''
GROUP BY topic, territory
HAVING current > 0 OR previous > 0
ORDER BY current DESC, topic, territory
