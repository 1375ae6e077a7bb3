"""Bytes on the log <-> validated envelopes, upcasting old versions on the way in."""

from __future__ import annotations

import json

from pydantic import ValidationError

from contracts.catalog import UnknownEventType, UnknownSchemaVersion, spec_for, upcast
from contracts.envelope import Envelope


class UndecodableEvent(ValueError):
    """A message on the log that is not a valid event of the catalog."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def encode(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()


def decode(raw: bytes, payload_model: bool = True) -> Envelope:
    """Parse, check the envelope, upcast the payload and validate it against its model.

    With `payload_model=False` the payload stays a (latest-version) dict: for readers such
    as analytics that only need its JSON, skipping the second validation.
    """
    if not raw.lstrip()[:1] == b"{":
        try:
            json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UndecodableEvent("malformed_json", str(exc)) from None
        raise UndecodableEvent("malformed_envelope", "not a JSON object")
    try:
        envelope = Envelope.model_validate_json(raw)
        if not isinstance(envelope.payload, dict):
            raise UndecodableEvent("invalid_event", "payload is not a JSON object")
        version, payload = upcast(envelope.event_type, envelope.schema_version, envelope.payload)
        if payload_model:
            payload = spec_for(envelope.event_type).model.model_validate(payload)
        return envelope.model_copy(update={"schema_version": version, "payload": payload})
    except UnknownEventType as exc:
        raise UndecodableEvent(exc.code, str(exc)) from None
    except UnknownSchemaVersion as exc:
        raise UndecodableEvent(exc.code, str(exc)) from None
    except ValidationError as exc:
        code = "malformed_json" if any(e["type"] == "json_invalid" for e in exc.errors()) \
            else "invalid_event"
        raise UndecodableEvent(code, str(exc)) from None
    except (KeyError, TypeError) as exc:  # an upcaster met a payload it cannot read
        raise UndecodableEvent("invalid_event", repr(exc)) from None
