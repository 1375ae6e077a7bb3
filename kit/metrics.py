"""Prometheus metrics every service exposes on /metrics."""

from prometheus_client import Counter, Gauge

EVENTS_CONSUMED = Counter(
    "mcu_events_consumed_total", "Events consumed from the log and applied", ["consumer"]
)
EVENTS_DUPLICATE = Counter(
    "mcu_events_duplicate_total", "Events dropped as already applied (by identity)", ["consumer"]
)
EVENTS_PUBLISHED = Counter(
    "mcu_events_published_total", "Events the outbox relay produced to the log", ["producer"]
)
DLQ_MESSAGES = Counter(
    "mcu_dlq_messages_total", "Messages sent to the dead-letter topic", ["consumer", "error_code"]
)
CONSUMER_LAG = Gauge(
    "mcu_consumer_lag", "Messages behind the end of the log partition", ["consumer", "partition"]
)
RELAY_BACKLOG = Gauge(
    "mcu_relay_backlog", "Stored events not yet published by the relay", ["producer"]
)
BATCH_SECONDS = Gauge(
    "mcu_consumer_last_batch_seconds", "Time to process the last batch", ["consumer"]
)
LATE_RETURNS = Counter(
    "mcu_routing_late_returns_total", "Executor returns refused as not on the day of assignment"
)
DEGRADED = Gauge(
    "mcu_component_degraded", "1 while a background component retries after a fault",
    ["service", "component"]
)
RETRIES = Counter(
    "mcu_component_retries_total", "Attempts a background component retried after a fault",
    ["service", "component"]
)
