-- Applicants' ratings in the period: distribution of scores 1..5.
SELECT rating, count() AS n, sum(is_satisfied) AS satisfied
FROM events
WHERE has({scope:Array(String)}, municipality) AND rating > 0 AND local_day >= {start:Date} AND local_day < {end:Date}
GROUP BY rating
ORDER BY rating
