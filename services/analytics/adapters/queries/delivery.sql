-- The answers published in the period and their way to the applicant, per channel it went
-- through (the appeal's own until it is delivered): delivered, still on the way, with a
-- failed attempt; hours from publication to delivery, median and 90th percentile.
SELECT
    if(delivery_channel != '', delivery_channel, channel) AS value,
    count() AS published,
    countIf(delivered_at IS NOT NULL) AS delivered,
    countIf(delivered_at IS NULL) AS waiting,
    countIf(delivery_failures > 0) AS with_failures,
    round(quantileIf(0.5)(greatest(0, dateDiff('second', answered_at, delivered_at)),
                          delivered_at IS NOT NULL) / 3600, 1) AS median_hours,
    round(quantileIf(0.9)(greatest(0, dateDiff('second', answered_at, delivered_at)),
                          delivered_at IS NOT NULL) / 3600, 1) AS p90_hours
FROM appeals_by_day FINAL
WHERE has({scope:Array(String)}, municipality) AND answered_at IS NOT NULL
  AND answered_at >= toDateTime64({start:Date}, 3, 'UTC')
  AND answered_at < toDateTime64({end:Date}, 3, 'UTC')
GROUP BY value
ORDER BY published DESC, value
