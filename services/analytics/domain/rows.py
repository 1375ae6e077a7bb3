"""Event -> row functions for ClickHouse (no I/O, no clock).

An event row carries the appeal's dimensions as they were when the event happened and
the metrics it contributes, so every aggregate is a plain sum. The appeal's state is
folded from its events; the same log always gives the same rows and states. For speed
the state is updated in place: the projector owns one state object per appeal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from contracts import Envelope

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ANSWER = "answer"


@dataclass(slots=True)
class AppealState:
    appeal_id: UUID
    registered_at: datetime = EPOCH
    channel: str = ""
    kind: str = ""
    topic: str = ""
    thematic_block: str = ""
    territory: str = ""
    recipient_id: str = ""
    executor_id: str = ""
    status: str = "unknown"
    due_at: datetime | None = None
    answered_at: datetime | None = None
    overdue: bool = False
    postponed: bool = False
    repeat: bool = False
    reworks: int = 0
    reopenings: int = 0
    returns: int = 0
    rating: int = 0
    escalation_level: int = 0
    last_event_at: datetime = EPOCH
    events: int = 0
    applied: dict[str, int] | None = None  # producer -> highest seq already in the state

    def has_applied(self, producer: str, seq: int) -> bool:
        return seq <= (self.applied or {}).get(producer, 0)

    def dims(self) -> tuple[str, ...]:
        return (self.channel, self.kind, self.topic, self.thematic_block, self.territory,
                self.recipient_id, self.executor_id)


STATUS_BY_EVENT = {
    "AppealRegistered": "registered", "AppealRouted": "routed", "AppealAssigned": "assigned",
    "AppealReturned": "returned", "AppealDisputed": "disputed", "DisputeResolved": "routed",
    "AnswerDrafted": "answer_drafted", "AnswerSentForApproval": "on_approval",
    "AnswerReturnedForRework": "rework", "AnswerApproved": "approved",
    "AnswerPublished": "answered", "AppealReopened": "reopened", "AppealClosed": "closed",
    "AppealTransferred": "transferred", "AppealLeftWithoutAnswer": "closed",
    "AppealPostponed": "postponed",
}


def _payload(envelope: Envelope) -> dict[str, Any]:
    payload = envelope.payload
    return payload.model_dump(mode="json") if hasattr(payload, "model_dump") else dict(payload)


def evolve(state: AppealState, envelope: Envelope, p: dict[str, Any]) -> AppealState:
    """Apply one more event to the appeal's state (in place) and return it."""
    t, at = envelope.event_type, envelope.occurred_at
    changes: dict[str, Any] = {"last_event_at": at, "events": state.events + 1,
                               "applied": (state.applied or {}) | {envelope.producer: envelope.seq}}
    if t in STATUS_BY_EVENT:
        changes["status"] = STATUS_BY_EVENT[t]
    if t == "AppealRegistered":
        c = p["classification"]
        changes |= {"registered_at": at, "channel": p["channel"], "kind": p["kind"],
                    "topic": c.get("topic") or p.get("applicant_topic") or "",
                    "thematic_block": c.get("thematic_block") or "",
                    "territory": c.get("territory") or p["location"].get("territory") or "",
                    "repeat": p.get("repeat_of") is not None}
    elif t == "AppealClassified":
        c = p["classification"]
        changes |= {"kind": c["kind"], "topic": c.get("topic") or state.topic,
                    "thematic_block": c.get("thematic_block") or state.thematic_block,
                    "territory": c.get("territory") or state.territory}
    elif t in ("AppealRouted", "DisputeResolved"):
        changes["recipient_id"] = p.get("recipient_id") or p.get("decided_recipient_id") or ""
    elif t == "AppealAssigned":
        changes |= {"recipient_id": p["recipient_id"], "executor_id": p.get("executor_id") or ""}
    elif t == "AppealReturned":
        changes["returns"] = state.returns + 1
    elif t == "AppealMarkedRepeat":
        changes["repeat"] = True
    elif t == "AppealPostponed":
        changes["postponed"] = True
    elif t == "AnswerReturnedForRework":
        changes["reworks"] = state.reworks + 1
    elif t == "AnswerPublished":
        changes |= {"answered_at": at, "postponed": False}
    elif t == "AppealReopened":
        changes |= {"reopenings": state.reopenings + 1, "answered_at": None,
                    "repeat": state.repeat or p.get("counts_as_repeat", True), "overdue": False}
    elif t == "AppealRated":
        changes["rating"] = p["score"]
    elif t in ("DeadlineSet", "DeadlineExtended", "DeadlineResumed") and p["stage"] == ANSWER:
        # a new, longer or shifted answer term: the appeal is not overdue (yet)
        changes |= {"due_at": datetime.fromisoformat(p["due_at"]), "overdue": False}
        if t == "DeadlineResumed":
            changes["postponed"] = False
    elif t == "DeadlineBreached" and p["stage"] == ANSWER:
        changes["overdue"] = True
    elif t == "AppealEscalated":
        changes["escalation_level"] = max(state.escalation_level, p["level"])
    for name, value in changes.items():
        setattr(state, name, value)
    return state


def _metrics(t: str, p: dict[str, Any], repeat_before: bool, due_before: datetime | None,
             at: datetime) -> dict[str, int]:
    m = dict.fromkeys(("is_new", "is_repeat", "is_overdue", "is_postponed", "is_answered",
                       "on_time", "late", "lateness_seconds", "is_rework", "is_reopened",
                       "is_returned", "is_escalated", "rating", "is_satisfied"), 0)
    if t == "AppealRegistered":
        m["is_new"] = 1
        m["is_repeat"] = int(p.get("repeat_of") is not None)
    elif t == "AppealMarkedRepeat" and not repeat_before:
        m["is_repeat"] = 1
    elif t == "AppealReopened":
        m["is_reopened"] = 1
        m["is_repeat"] = int(p.get("counts_as_repeat", True))
    elif t == "DeadlineBreached" and p["stage"] == ANSWER:
        m["is_overdue"] = 1
    elif t == "AppealPostponed":
        m["is_postponed"] = 1
    elif t == "AnswerPublished":
        m["is_answered"] = 1
    elif t == "DeadlineStopped" and p["stage"] == ANSWER and due_before is not None:
        if p["met"]:
            m["on_time"] = 1
        else:
            m["late"] = 1
            m["lateness_seconds"] = max(int((at - due_before).total_seconds()), 0)
    elif t == "AnswerReturnedForRework":
        m["is_rework"] = 1
    elif t == "AppealReturned":
        m["is_returned"] = 1
    elif t == "AppealEscalated":
        m["is_escalated"] = 1
    elif t == "AppealRated":
        m["rating"] = p["score"]
        m["is_satisfied"] = int(p["satisfied"])
    return m


def to_row(envelope: Envelope, partition: int, offset: int, before: AppealState | None,
           zone: ZoneInfo) -> tuple[dict[str, Any], AppealState]:
    """The events-table row of one envelope, and the appeal's state after it (`before` is
    updated in place)."""
    p = _payload(envelope)
    state = before or AppealState(envelope.appeal_id)
    t = envelope.event_type
    metrics = _metrics(t, p, state.repeat, state.due_at, envelope.occurred_at)
    dims_before = state.dims()
    after = evolve(state, envelope, p)
    channel, kind, topic, block, territory, recipient, executor = (
        after.dims() if t in ("AppealRegistered", "AppealClassified") else dims_before)
    if t in ("AppealRouted", "AppealAssigned", "DisputeResolved"):
        recipient = after.recipient_id
    row = {
        "event_id": envelope.event_id, "event_type": envelope.event_type,
        "schema_version": envelope.schema_version, "appeal_id": envelope.appeal_id,
        "seq": envelope.seq, "producer": envelope.producer, "occurred_at": envelope.occurred_at,
        "local_day": envelope.occurred_at.astimezone(zone).date(),
        "actor_id": envelope.actor.id, "actor_role": envelope.actor.role.value,
        "causation_id": envelope.causation_id, "correlation_id": envelope.correlation_id,
        "payload": json.dumps(p, ensure_ascii=False, separators=(",", ":")),
        "channel": channel, "kind": kind, "topic": topic, "thematic_block": block,
        "territory": territory, "recipient_id": recipient, "executor_id": executor,
        **metrics,
        "partition": partition, "offset": offset,
    }
    return row, after


def state_row(state: AppealState, version: int, zone: ZoneInfo) -> dict[str, Any]:
    """The appeals-table row of a state (the latest version wins)."""
    return {
        "appeal_id": state.appeal_id, "version": version, "registered_at": state.registered_at,
        "registered_day": state.registered_at.astimezone(zone).date(),
        "channel": state.channel, "kind": state.kind, "topic": state.topic,
        "thematic_block": state.thematic_block, "territory": state.territory,
        "recipient_id": state.recipient_id, "executor_id": state.executor_id,
        "status": state.status, "due_at": state.due_at, "answered_at": state.answered_at,
        "overdue": int(state.overdue), "postponed": int(state.postponed),
        "repeat": int(state.repeat), "reworks": state.reworks, "reopenings": state.reopenings,
        "returns": state.returns, "rating": state.rating,
        "escalation_level": state.escalation_level, "last_event_at": state.last_event_at,
        "events": state.events, "applied": dict(state.applied or {}),
    }


def state_from_row(row: dict[str, Any]) -> AppealState:
    """Back from the appeals table (restart without replaying the log)."""
    fields = {k: row[k] for k in AppealState.__dataclass_fields__ if k in row}
    for flag in ("overdue", "postponed", "repeat"):
        fields[flag] = bool(fields[flag])
    fields["applied"] = dict(fields.get("applied") or {})
    for moment in ("registered_at", "due_at", "answered_at", "last_event_at"):
        if fields.get(moment) is not None and fields[moment].tzinfo is None:
            fields[moment] = fields[moment].replace(tzinfo=UTC)
    return AppealState(**fields)
