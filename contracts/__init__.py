"""Contracts of the MCU platform: the envelope and the appeal event catalog."""

from contracts.catalog import CATALOG, EventSpec, spec_for, upcast
from contracts.codec import UndecodableEvent, decode, encode
from contracts.envelope import Actor, Envelope, event_id_for

LOG_TOPIC = "mcu.appeals.v1"
DLQ_TOPIC = f"{LOG_TOPIC}.dlq"

__all__ = [
    "CATALOG", "DLQ_TOPIC", "LOG_TOPIC", "Actor", "Envelope", "EventSpec",
    "UndecodableEvent", "decode", "encode", "event_id_for", "spec_for", "upcast",
]
