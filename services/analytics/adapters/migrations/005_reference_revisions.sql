-- Every loaded version of a reference file analytics uses (the rating formula), with its
-- digest as kit/revisions.py computes it: a past rating can be explained with the formula
-- it was computed with.
CREATE TABLE IF NOT EXISTS reference_revisions
(
    name        String,
    number      UInt32,
    digest      String,
    data        String,
    recorded_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (name, number);
