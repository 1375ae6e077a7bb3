"""`make bench`: throughput of the log pipeline as ratios to a raw aiokafka round trip."""
