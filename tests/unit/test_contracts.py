"""The envelope and the event catalog, without any real part."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError

from contracts import CATALOG, Envelope, UndecodableEvent, decode, encode, event_id_for
from contracts.examples import EXAMPLES, example_envelope
from contracts.generate import drift

LIFECYCLE = {
    "AppealRegistered", "AppealClassified", "AppealRouted", "AppealAssigned", "AppealReturned",
    "AppealDisputed", "DisputeResolved", "AnswerDrafted", "AnswerSentForApproval",
    "AnswerApproved", "AnswerReturnedForRework", "AnswerPublished", "AppealRated",
    "AppealReopened", "AppealPostponed", "DeadlineSet", "DeadlineExtended", "DeadlinePaused",
    "DeadlineResumed", "DeadlineReminderIssued", "DeadlineBreached", "AppealEscalated",
    "AppealClosed", "AppealTransferred",
}


def test_catalog_covers_the_whole_lifecycle_of_the_domain():
    assert LIFECYCLE <= set(CATALOG)


def test_every_version_of_every_event_has_an_example_and_nothing_else_does():
    declared = {(t, v) for t, spec in CATALOG.items() for v in spec.versions}
    assert declared == set(EXAMPLES)


@pytest.mark.parametrize("event_type, version", sorted(EXAMPLES))
def test_example_envelopes_round_trip_through_the_codec(event_type, version):
    envelope = decode(json.dumps(example_envelope(event_type, version)).encode())
    assert envelope.schema_version == CATALOG[event_type].latest_version
    assert decode(encode(envelope)) == envelope


def test_a_v1_rating_is_upcast_to_v2_with_satisfaction_derived_from_the_score():
    low = decode(json.dumps(example_envelope("AppealRated", 1)).encode())
    high_raw = example_envelope("AppealRated", 1) | {"payload": {"score": 5}}
    high = decode(json.dumps(high_raw).encode())
    assert (low.schema_version, low.payload.satisfied, low.payload.comment) == (2, False, None)
    assert high.payload.satisfied is True


def test_events_are_frozen():
    envelope = decode(json.dumps(example_envelope("AppealRouted", 1)).encode())
    with pytest.raises(ValidationError):
        envelope.seq = 2  # type: ignore[misc]
    with pytest.raises(ValidationError):
        envelope.payload.recipient_id = "elsewhere"  # type: ignore[misc]


@pytest.mark.parametrize("mutate, code", [
    (lambda e: e | {"event_type": "AppealTeleported"}, "unknown_event_type"),
    (lambda e: e | {"schema_version": 7}, "unknown_schema_version"),
    (lambda e: e | {"payload": {**e["payload"], "recipient_id": ""} | {"bogus": 1}},
     "invalid_event"),
    (lambda e: e | {"occurred_at": "2026-11-16T10:42:10+03:00"}, "invalid_event"),
    (lambda e: e | {"seq": 0}, "invalid_event"),
    (lambda e: {k: v for k, v in e.items() if k != "actor"}, "invalid_event"),
])
def test_bad_events_are_refused_with_a_stable_code(mutate, code):
    raw = json.dumps(mutate(example_envelope("AppealRouted", 1))).encode()
    with pytest.raises(UndecodableEvent) as refused:
        decode(raw)
    assert refused.value.code == code


@pytest.mark.parametrize("raw, code", [(b"\xff\xfe", "malformed_json"), (b"[1, 2]", "malformed_envelope"),
                                       (b"", "malformed_json")])
def test_garbage_bytes_are_refused(raw, code):
    with pytest.raises(UndecodableEvent) as refused:
        decode(raw)
    assert refused.value.code == code


def test_event_ids_are_deterministic_per_identity():
    appeal = uuid.uuid4()
    assert event_id_for("routing", appeal, 3) == event_id_for("routing", appeal, 3)
    assert event_id_for("routing", appeal, 3) != event_id_for("sla", appeal, 3)
    assert event_id_for("routing", appeal, 3) != event_id_for("routing", appeal, 4)


def test_identity_is_producer_appeal_and_seq():
    envelope = Envelope.model_validate(example_envelope("AppealRouted", 1))
    assert envelope.identity == ("routing", envelope.appeal_id, 1)


def test_committed_schemas_and_asyncapi_match_the_models():
    assert drift() == [], "run `mcu contracts generate` and commit the result"
