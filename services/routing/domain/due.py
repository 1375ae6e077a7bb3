"""What routing knows of an appeal's deadlines: followed from SLA's events on the log. Pure.

SLA owns the deadlines (terms, calendars, timers); routing keeps only what its work queues
sort and filter by — the running stage's due moment, whether it is paused, reminded,
breached, and to whom it was escalated — so a queue of 10,000 appeals is ordered by due
time in memory, and the MCU head's escalations are a queue like any other.

"Срок близко" is the SLA policy's own word: a reminder has been sent for the running stage
(the policy says when, e.g. two working days before), and the SLA badge turns amber at the
same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.envelope import Contract
from contracts.events import deadlines as ev
from contracts.vocabulary import NOTICE_STAGE, Role

NOTICE_STAGE_NAMES = frozenset(s.value for s in NOTICE_STAGE.values())
FOLLOWED = (ev.DeadlineSet, ev.DeadlineExtended, ev.DeadlinePaused, ev.DeadlineResumed,
            ev.DeadlineStopped, ev.DeadlineReminderIssued, ev.DeadlineBreached,
            ev.AppealEscalated)
DEADLINE_STATES = ("in_time", "due_soon", "overdue", "paused")


def fact_of(event: Contract) -> dict:
    """The compact fact routing keeps of one SLA event (JSON-able)."""
    fact = {"stage": event.stage.value, "event": type(event).__name__}
    if isinstance(event, (ev.DeadlineSet, ev.DeadlineExtended, ev.DeadlineResumed)):
        fact["due_at"] = event.due_at.isoformat()
    if isinstance(event, ev.AppealEscalated):
        fact["to_role"] = event.to_role.value
    return fact


@dataclass
class StageDue:
    due_at: datetime
    paused: bool = False
    stopped: bool = False
    reminded: bool = False
    breached: bool = False
    escalated_to: str = ""  # role of the latest escalation


def follow(stages: dict[str, StageDue], fact: dict) -> None:
    """Apply one kept fact, as SLA's own deadline applies the event."""
    name, stage = fact["event"], stages.get(fact["stage"])
    if name == "DeadlineSet":
        stages[fact["stage"]] = StageDue(datetime.fromisoformat(fact["due_at"]))
        return
    if stage is None:
        return  # an event about a stage set before routing followed deadlines
    if name == "DeadlineExtended":
        stage.due_at = datetime.fromisoformat(fact["due_at"])
        stage.reminded = stage.breached = False
        stage.escalated_to = ""
    elif name == "DeadlinePaused":
        stage.paused = True
    elif name == "DeadlineResumed":
        stage.due_at, stage.paused = datetime.fromisoformat(fact["due_at"]), False
    elif name == "DeadlineStopped":
        stage.stopped = True
    elif name == "DeadlineReminderIssued":
        stage.reminded = True
    elif name == "DeadlineBreached":
        stage.breached = True
    elif name == "AppealEscalated":
        stage.escalated_to = fact["to_role"]


@dataclass(frozen=True)
class Due:
    """The running stage that is due first, as a queue sorts and filters by it."""

    due_at: datetime
    paused: bool
    reminded: bool
    breached: bool
    to_head: bool  # a running stage has been escalated to the MCU head

    def state(self, now: datetime) -> str:
        if self.paused:
            return "paused"
        if self.breached or now >= self.due_at:
            return "overdue"
        return "due_soon" if self.reminded else "in_time"


def running(stages: dict[str, StageDue]) -> Due | None:
    """The first-due stage still running (None: no deadline runs)."""
    live = [s for stage, s in stages.items()  # a notice's term is the MCU's, not the appeal's
            if not s.stopped and stage not in NOTICE_STAGE_NAMES]
    if not live:
        return None
    first = min(live, key=lambda s: s.due_at)
    return Due(first.due_at, first.paused, first.reminded, first.breached,
               any(s.escalated_to == Role.MCU_HEAD.value for s in live))
