-- The appeals behind a spike: registered in the period with the given value.
SELECT appeal_id, occurred_at, topic, territory, channel, kind
FROM events
WHERE has({scope:Array(String)}, municipality) AND is_new = 1 AND local_day >= {start:Date} AND local_day < {end:Date}
  AND {dim:Identifier} = {value:String}
ORDER BY occurred_at
LIMIT {limit:UInt32}
