-- New appeals per week for each value of one dimension (input of the growth rule).
SELECT {dim:Identifier} AS value, toMonday(day) AS week, sum(new) AS n
FROM daily
WHERE has({scope:Array(String)}, municipality) AND day >= {start:Date} AND day < {end:Date} AND {dim:Identifier} != ''
GROUP BY value, week
