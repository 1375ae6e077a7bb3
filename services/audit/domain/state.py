"""An appeal as it stood at a moment, folded from its events as the log holds them (the
audit's own reading, not a service's store): status, recipient, executor, deadlines and
whether each was in time, postponements, the answer, its delivery, the rating."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from contracts.catalog import UnknownEventType, UnknownSchemaVersion, typed
from contracts.status import status_after
from contracts.vocabulary import AppealStatus, DeadlineStage


@dataclass(frozen=True)
class Event:
    """One event of the appeal as the audit reads it: the envelope's fields it needs and
    the payload typed by the contracts (upcast to the latest version)."""

    event_id: str
    causation_id: str | None
    producer: str
    seq: int
    previous_seq: int | None  # the producer's previous event on the log (None: not said)
    event_type: str
    occurred_at: datetime
    actor_id: str
    actor_role: str
    municipality: str | None
    payload: Any  # a contracts model; None when the catalog does not know the type

    @classmethod
    def of(cls, envelope: Mapping) -> Event:
        try:
            payload = typed(envelope["event_type"], envelope["schema_version"],
                            envelope["payload"])
        except (UnknownEventType, UnknownSchemaVersion, ValueError):
            payload = None
        actor = envelope.get("actor") or {}
        return cls(str(envelope["event_id"]), envelope.get("causation_id"),
                   envelope.get("producer", ""), int(envelope.get("seq", 0)),
                   envelope.get("previous_seq"),
                   envelope["event_type"], datetime.fromisoformat(envelope["occurred_at"]),
                   actor.get("id", ""), actor.get("role", ""), envelope.get("municipality"),
                   payload)


@dataclass(frozen=True)
class Clock:
    """One deadline stage at the moment."""

    stage: DeadlineStage
    due_at: datetime
    set_at: datetime
    extensions: int = 0
    paused: bool = False
    stopped_at: datetime | None = None
    met: bool | None = None  # what the SLA service said when it stopped the clock
    breached_at: datetime | None = None

    def standing(self, at: datetime) -> str:
        """in_time | met | late (stopped after its due moment) | overdue (running past it)
        | paused."""
        if self.stopped_at is not None:
            return "met" if self.met else "late"
        if self.paused:
            return "paused"
        return "overdue" if at > self.due_at else "in_time"


@dataclass(frozen=True)
class AppealState:
    at: datetime
    events: int  # how many of the appeal's events had happened by then
    status: AppealStatus | None = None
    registration_number: str | None = None
    external_id: str | None = None  # the channel's number of the item
    kind: str | None = None
    channel: str | None = None
    received_at: datetime | None = None
    recipient_id: str | None = None
    executor_id: str | None = None
    subordinate_id: str | None = None
    deadlines: dict[DeadlineStage, Clock] = field(default_factory=dict)
    postponements: tuple[tuple[date, str], ...] = ()
    reopenings: int = 0
    answered_at: datetime | None = None
    delivered_at: datetime | None = None
    rating: int | None = None
    satisfied: bool | None = None


def first_of_each(events: Iterable[Event]) -> list[Event]:
    """The events as consumers take them: each (producer, seq) once, the first in log
    order (a republished event repeats it; what differs is services.audit.domain.rechecks'
    concern)."""
    seen: set[tuple[str, int]] = set()
    kept = []
    for event in events:
        if (event.producer, event.seq) not in seen:
            seen.add((event.producer, event.seq))
            kept.append(event)
    return kept


def state_at(events: Iterable[Event], at: datetime) -> AppealState:
    """The appeal at `at`: every event that occurred by then, in log order."""
    state = AppealState(at=at, events=0)
    for event in events:
        if event.occurred_at > at:
            continue
        state = _apply(replace(state, events=state.events + 1), event)
    return state


def _apply(s: AppealState, e: Event) -> AppealState:
    p = e.payload
    if p is None:
        return s
    s = replace(s, status=status_after(p, s.status))
    match e.event_type:
        case "AppealRegistered":
            return replace(s, kind=p.kind.value, channel=p.channel.value,
                           received_at=p.received_at, external_id=p.external_id)
        case "AppealNumbered":
            return replace(s, registration_number=p.registration_number)
        case "AppealRouted":
            return replace(s, recipient_id=p.recipient_id, executor_id=None,
                           subordinate_id=None)
        case "AppealAssigned":
            return replace(s, recipient_id=p.recipient_id, executor_id=p.executor_id,
                           subordinate_id=p.subordinate_recipient_id)
        case "AppealPostponed":
            return replace(s, postponements=(*s.postponements, (p.until, p.reason)))
        case "AppealReopened":
            return replace(s, reopenings=s.reopenings + 1, answered_at=None, delivered_at=None)
        case "AnswerPublished":
            return replace(s, answered_at=e.occurred_at)
        case "AnswerDelivered":
            return replace(s, delivered_at=p.dispatched_at or e.occurred_at)
        case "AppealRated":
            return replace(s, rating=p.score, satisfied=p.satisfied)
    stage = getattr(p, "stage", None)
    if stage is None:
        return s
    clocks, clock = dict(s.deadlines), s.deadlines.get(stage)
    match e.event_type:
        case "DeadlineSet":
            clocks[stage] = Clock(stage, p.due_at, e.occurred_at)
        case "DeadlineExtended" if clock:
            clocks[stage] = replace(clock, due_at=p.due_at, extensions=clock.extensions + 1,
                                    breached_at=None)
        case "DeadlinePaused" if clock:
            clocks[stage] = replace(clock, paused=True)
        case "DeadlineResumed" if clock:
            clocks[stage] = replace(clock, paused=False, due_at=p.due_at)
        case "DeadlineStopped" if clock:
            clocks[stage] = replace(clock, stopped_at=e.occurred_at, met=p.met)
        case "DeadlineBreached" if clock:
            clocks[stage] = replace(clock, breached_at=e.occurred_at)
    return replace(s, deadlines=clocks)
