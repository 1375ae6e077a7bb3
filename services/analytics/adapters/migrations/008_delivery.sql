-- The answer's way to the applicant (contracts 1.3.0): when it reached them (a letter's
-- posting day when recorded afterwards), through which channel, how many attempts failed.
-- Appeals projected before this migration show no delivery until the projection is
-- rebuilt from the log (`mcu analytics rebuild`).
ALTER TABLE appeals
    ADD COLUMN IF NOT EXISTS delivered_at Nullable(DateTime64(3, 'UTC')) AFTER answered_at,
    ADD COLUMN IF NOT EXISTS delivery_channel LowCardinality(String) AFTER delivered_at,
    ADD COLUMN IF NOT EXISTS delivery_failures UInt32 AFTER delivery_channel;

ALTER TABLE appeals_by_day
    ADD COLUMN IF NOT EXISTS delivered_at Nullable(DateTime64(3, 'UTC')) AFTER answered_at,
    ADD COLUMN IF NOT EXISTS delivery_channel LowCardinality(String) AFTER delivered_at,
    ADD COLUMN IF NOT EXISTS delivery_failures UInt32 AFTER delivery_channel;

-- the copy by day names its columns as they were when it was made: made again
DROP VIEW IF EXISTS appeals_by_day_mv;

CREATE MATERIALIZED VIEW appeals_by_day_mv TO appeals_by_day AS
SELECT * FROM appeals
