"""Contracts of the MCU platform: the envelope and the appeal event catalog."""

from contracts.catalog import CATALOG, EventSpec, event_type_of, spec_for, typed, upcast
from contracts.codec import UndecodableEvent, decode, encode
from contracts.envelope import Actor, Envelope, event_id_for

LOG_TOPIC = "mcu.appeals.v1"
DLQ_TOPIC = f"{LOG_TOPIC}.dlq"

__all__ = [
    "CATALOG", "DLQ_TOPIC", "LOG_TOPIC", "Actor", "Envelope", "EventSpec",
    "UndecodableEvent", "decode", "encode", "event_id_for", "event_type_of", "spec_for",
    "typed", "upcast",
]
