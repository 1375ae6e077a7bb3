"""The deadline lifecycle of one appeal: set, rebased, extended, paused, resumed,
stopped, restarted; and its timers (reminders, overdue, escalation), each fired once.

Pure: every decision takes `now`, the term calculator and the policy, and records
contract events on the aggregate. Nothing here reads a clock or does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from contracts import Actor
from contracts.envelope import Contract
from contracts.events import deadlines as ev
from contracts.events.registration import AppealRegistered
from contracts.vocabulary import (NOTICE_STAGE, Channel, DeadlineStage, Kind, Role, TermUnit,
                                 answered_by_delivery)
from kit.appeal_aggregate import AppealAggregate
from kit.directory import Directory
from services.sla.domain.policy import PER_APPEAL, EscalationStep, Policy, TermRule
from services.sla.domain.terms import Term, TermCalculator

SLA = Actor.system("sla")


class DeadlineError(Exception):
    """A refused deadline command; `code` for programs, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class StageClock:
    stage: DeadlineStage
    due_at: datetime
    term: Term
    policy_id: str
    set_at: datetime
    basis: str = ""  # why it was set (the event's basis, in Russian)
    extensions: int = 0
    paused_at: datetime | None = None
    resume_on: datetime | None = None
    stopped: bool = False
    reminders: set[str] = field(default_factory=set)
    breached: bool = False
    escalation_level: int = 0

    @property
    def running(self) -> bool:
        return not self.stopped and self.paused_at is None


class Basis(StrEnum):
    """Why a term is set (what it counts from); the event's `basis` says it in Russian."""

    REGISTRATION = "регистрация обращения"
    KIND_CHANGED = "смена вида обращения"
    REOPENED = "переоткрытие обращения"
    TRANSFERRED = "переадресация в другой орган"
    EXTENDED = "продление срока ответа"


# the notices set by what calls for them (a forwarding, an extension), not at registration
TRIGGERED = frozenset({DeadlineStage.FORWARDING_NOTICE, DeadlineStage.EXTENSION_NOTICE})
NOTICE_STAGES = frozenset(NOTICE_STAGE.values())


@dataclass(frozen=True)
class Timer:
    """A moment a stage's clock must act at; each kind below says what it does."""

    at: datetime
    stage: DeadlineStage

    @property
    def key(self) -> str:
        """For people and logs: remind:answer:2wd, breach:answer, escalate:answer:3, …"""
        extra = [str(getattr(self, f.name)) for f in fields(self)[2:]]
        return ":".join([type(self).__name__.lower(), str(self.stage), *extra])


@dataclass(frozen=True)
class Remind(Timer):
    offset: Term


@dataclass(frozen=True)
class Breach(Timer):
    pass


@dataclass(frozen=True)
class Escalate(Timer):
    level: int


@dataclass(frozen=True)
class Resume(Timer):
    pass


def _dt(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


class Deadline(AppealAggregate):
    """One aggregate per appeal in the SLA store; its id is the appeal id."""

    def initialize(self) -> None:
        self.kind: Kind | None = None
        self.channel: str = ""
        self.topic: str | None = None
        self.thematic_block: str | None = None
        self.received_at: datetime | None = None
        self.registered_at: datetime | None = None
        self.people: dict[str, str] = {}  # role -> person id (executor, approver)
        self.calendars: dict[str, str] = {}  # stage -> calendar revision its term used
        self.stages: dict[DeadlineStage, StageClock] = {}

    @property
    def answered_by_delivery(self) -> bool:
        """An official appeal whose answer the platform delivers: its answer stage is met
        when the answer reaches the applicant (59-ФЗ), not when it is published."""
        return self.kind is not None and bool(self.channel) and answered_by_delivery(
            self.kind, Channel(self.channel))

    # -- evolution ---------------------------------------------------------------------
    def note(self, facts: dict) -> None:
        if "kind" in facts:
            self.kind = Kind(facts["kind"])
        for key in ("channel", "topic", "thematic_block"):
            if key in facts:
                setattr(self, key, facts[key])
        for key in ("received_at", "registered_at"):
            if facts.get(key):
                setattr(self, key, _dt(facts[key]))
        self.people.update(facts.get("people", {}))
        self.calendars.update(facts.get("calendars", {}))
        for stage, moment in facts.get("resume_on", {}).items():
            self.stages[DeadlineStage(stage)].resume_on = _dt(moment)

    def when(self, event: Contract) -> None:
        clock = self.stages.get(getattr(event, "stage", None))
        match event:
            case ev.DeadlineSet():
                self.stages[event.stage] = StageClock(
                    event.stage, event.due_at, Term(event.term.amount, event.term.unit),
                    event.policy_id, set_at=self._last_moment, basis=event.basis)
            case ev.DeadlineExtended():
                clock.due_at, clock.extensions = event.due_at, clock.extensions + 1
                clock.reminders, clock.breached, clock.escalation_level = set(), False, 0
            case ev.DeadlinePaused():
                clock.paused_at = self._last_moment
            case ev.DeadlineResumed():
                clock.due_at, clock.paused_at, clock.resume_on = event.due_at, None, None
            case ev.DeadlineStopped():
                clock.stopped = True
            case ev.DeadlineReminderIssued():
                clock.reminders.add(event.remind_before)
            case ev.DeadlineBreached():
                clock.breached = True
            case ev.AppealEscalated():
                clock.escalation_level = event.level

    @property
    def _last_moment(self) -> datetime:
        assert self.event_time is not None
        return self.event_time

    # -- decisions -------------------------------------------------------------------
    @classmethod
    def register(cls, appeal_id, registered: AppealRegistered, occurred_at: datetime,
                 calc: TermCalculator, policy: Policy, cause: Any = None) -> Deadline:
        """Set the deadlines of a newly registered appeal from the policy."""
        classification = registered.classification
        deadline = cls.start(appeal_id, at=occurred_at, facts={
            "kind": registered.kind.value, "channel": registered.channel.value,
            "topic": registered.topic,
            "thematic_block": classification.thematic_block,
            "received_at": registered.received_at.isoformat(),
            "registered_at": occurred_at.isoformat(),
        }, municipality=getattr(cause, "municipality", None))
        deadline._set_all(calc, policy, occurred_at, Basis.REGISTRATION, cause)
        return deadline

    def _set_all(self, calc: TermCalculator, policy: Policy, now: datetime, basis: Basis,
                 cause: Any, only: set[DeadlineStage] | None = None, detail: str = "") -> None:
        for rule in policy.terms_for(self.kind, self.channel, self.topic):
            if (only is not None and rule.stage not in only) or (
                    only is None and rule.stage in TRIGGERED):
                continue
            self._set(rule, calc, now, basis, cause, detail, policy.revision)

    def notice_due(self, stage: DeadlineStage, calc: TermCalculator, policy: Policy,
                   now: datetime, basis: Basis, cause: Any = None) -> None:
        """A forwarding or an extension calls for its notice: its term, if the policy sets
        one for this appeal (once: a second extension is refused anyway)."""
        if stage not in self.stages:
            self._set_all(calc, policy, now, basis, cause, only={stage})

    def _set(self, rule: TermRule, calc: TermCalculator, now: datetime, basis: Basis,
             cause: Any, detail: str, policy_revision: str = "") -> None:
        # Registration is counted from receipt (59-ФЗ art. 8); other stages from registration,
        # or from the reopening when the appeal is reopened.
        start = self.received_at if rule.stage is DeadlineStage.REGISTRATION else (
            now if basis in (Basis.REOPENED, Basis.EXTENDED) else self.registered_at)
        due = calc.due(start or now, rule.term)
        if self.calendars.get(rule.stage.value) != calc.revision:
            self.remember({"calendars": {rule.stage.value: calc.revision}}, at=now)
        self.record(ev.DeadlineSet(
            stage=rule.stage, due_at=due.due, term={"amount": rule.term.amount,
                                                    "unit": rule.term.unit},
            policy_id=rule.id, basis=f"{basis.value}: {detail}" if detail else basis.value,
            counted_from=start or now, calendar_revision=calc.revision,
            policy_revision=policy_revision or None),
            SLA, cause, at=now)
        if rule.stage is DeadlineStage.REGISTRATION and self.registered_at:
            self.record(ev.DeadlineStopped(
                stage=rule.stage, met=self.registered_at <= due.due), SLA, cause, at=now)

    def rebase(self, new_kind: Kind, calc: TermCalculator, policy: Policy, now: datetime,
               cause: Any = None) -> None:
        """The kind changed: terms are recomputed from registration under the new regime."""
        if new_kind == self.kind:
            return
        change = f"{self.kind.value if self.kind else '—'} → {new_kind.value}"
        self.remember({"kind": new_kind.value}, at=now)
        stages = {r.stage for r in policy.terms_for(new_kind, self.channel, self.topic)}
        for stage, clock in list(self.stages.items()):
            if stage not in stages and not clock.stopped:
                self.record(ev.DeadlineStopped(
                    stage=stage, met=now <= clock.due_at), SLA, cause, at=now)
        self._set_all(calc, policy, now, Basis.KIND_CHANGED, cause,
                      only={s for s in stages if s is not DeadlineStage.REGISTRATION} - TRIGGERED,
                      detail=change)

    def extend(self, stage: DeadlineStage, by: Term, reason: str, actor: Actor,
               calc: TermCalculator, policy: Policy, now: datetime) -> None:
        clock = self._clock(stage)
        if clock.stopped:
            raise DeadlineError("deadline_stopped", "Срок уже остановлен: продлевать нечего")
        rule = policy.rule(clock.policy_id)
        if rule is None or rule.max_extensions == 0 or rule.max_extension is None:
            raise DeadlineError("extension_not_allowed",
                                "Политика не допускает продления этого срока")
        if clock.extensions >= rule.max_extensions:
            raise DeadlineError(
                "extension_limit_reached",
                f"Срок уже продлевался {clock.extensions} раз(а); больше продлевать нельзя "
                "(для обращений по 59-ФЗ — не более одного раза, ч. 2 ст. 12)")
        new_due = calc.due(clock.due_at, by).due
        limit = calc.due(clock.due_at, rule.max_extension).due
        if new_due > limit:
            raise DeadlineError("extension_too_long",
                                f"Продление не может превышать {rule.max_extension}")
        if not reason.strip():
            raise DeadlineError("reason_required", "Укажите причину продления")
        self.record(ev.DeadlineExtended(
            stage=stage, previous_due_at=clock.due_at, due_at=new_due, reason=reason), actor,
            at=now)
        if stage is DeadlineStage.ANSWER:  # art. 12: the applicant is told
            self.notice_due(DeadlineStage.EXTENSION_NOTICE, calc, policy, now, Basis.EXTENDED)

    def pause(self, reason: str, until: datetime | None, now: datetime,
              cause: Any = None) -> None:
        for clock in self.stages.values():
            if clock.running:
                self.record(ev.DeadlinePaused(stage=clock.stage, reason=reason),
                            SLA, cause, at=now)
        if until is not None:
            self.remember({"resume_on": {s.value: until.isoformat()
                                         for s, c in self.stages.items() if c.paused_at}}, at=now)

    def resume(self, now: datetime, calc: TermCalculator, cause: Any = None) -> None:
        """Paused time does not count: the due moment moves by the pause."""
        for clock in self.stages.values():
            if clock.stopped or clock.paused_at is None:
                continue
            paused = max(now - clock.paused_at, timedelta())
            due = clock.due_at + paused
            if clock.term.unit is not TermUnit.WORKING_HOURS:  # land on the end of a working day
                local = due.astimezone(calc.schedule.timezone).date()
                while not calc.calendar.is_working(local):
                    local += timedelta(days=1)
                due = calc.schedule.end_of_day(local)
            self.record(ev.DeadlineResumed(
                stage=clock.stage, due_at=due, paused_seconds=int(paused.total_seconds())),
                SLA, cause, at=now)

    def stop(self, now: datetime, stages: set[DeadlineStage] | None = None,
             cause: Any = None, answered_at: datetime | None = None) -> None:
        """`answered_at`: when the answer counts as given if not `now` (an official
        letter's posting day, recorded afterwards)."""
        for clock in self.stages.values():
            if not clock.stopped and (stages is None or clock.stage in stages):
                self.record(ev.DeadlineStopped(
                    stage=clock.stage, met=(answered_at or now) <= clock.due_at), SLA,
                    cause, at=now)

    def restart(self, now: datetime, calc: TermCalculator, policy: Policy,
                cause: Any = None) -> None:
        """Reopened: the answer terms run again from the moment of reopening."""
        self._set_all(calc, policy, now, Basis.REOPENED, cause,
                      only={DeadlineStage.ANSWER, DeadlineStage.FIRST_REACTION})

    def assign(self, role: str, person_id: str | None, now: datetime) -> None:
        if person_id and self.people.get(role) != person_id:
            self.remember({"people": {role: person_id}}, at=now)

    # -- timers ----------------------------------------------------------------------
    def timers(self, calc: TermCalculator, policy: Policy) -> list[Timer]:
        """Every timer still to fire, earliest first."""
        pending: list[Timer] = []
        for clock in self.stages.values():
            if clock.stopped:
                continue
            if clock.paused_at is not None:
                if clock.resume_on is not None:
                    pending.append(Resume(clock.resume_on, clock.stage))
                continue
            notice = clock.stage in NOTICE_STAGES  # the MCU's own: no executor to remind
            if not clock.breached and not notice:  # after the due moment reminders are pointless
                sent = [calc.before(clock.due_at, Term.parse(o)) for o in clock.reminders]
                for offset in policy.reminders_for(clock.term):
                    at = calc.before(clock.due_at, offset)
                    if str(offset) not in clock.reminders and not any(at <= s for s in sent):
                        pending.append(Remind(at, clock.stage, offset))
            if not clock.breached:
                pending.append(Breach(clock.due_at, clock.stage))
            for step in policy.ladder_for(clock.term):
                if notice and step.role is not Role.MCU_HEAD:
                    continue  # a late notice is the MCU head's to see to
                if step.level > clock.escalation_level:
                    at = calc.after(clock.due_at, step.after) if step.after else clock.due_at
                    pending.append(Escalate(at, clock.stage, step.level))
        return sorted(pending, key=lambda t: t.at)

    def next_timer_at(self, calc: TermCalculator, policy: Policy) -> datetime | None:
        timers = self.timers(calc, policy)
        return timers[0].at if timers else None

    def fire(self, now: datetime, calc: TermCalculator, policy: Policy,
             directory: Directory) -> int:
        """Record every timer due by `now`, once; returns how many fired."""
        fired = 0
        due = [t for t in self.timers(calc, policy) if t.at <= now]
        # After downtime several reminders may be due at once: only the latest is sent.
        latest_reminder = {t.stage: t for t in due if isinstance(t, Remind)}
        for timer in due:
            clock = self.stages[timer.stage]
            match timer:
                case Resume():
                    self.resume(timer.at, calc)  # paused until then: the pause ended at timer.at
                case Remind():
                    if now >= clock.due_at or latest_reminder[timer.stage] is not timer:
                        continue  # superseded, or overdue follows: no reminder helps now
                    self.record(ev.DeadlineReminderIssued(
                        stage=timer.stage, due_at=clock.due_at, remind_before=str(timer.offset),
                        recipients=tuple(p for p in (self.people.get("executor"),
                                                     self.people.get("approver")) if p)), SLA,
                        at=now)
                case Breach():
                    self.record(ev.DeadlineBreached(
                        stage=timer.stage, due_at=clock.due_at), SLA, at=now)
                case Escalate():
                    step = next(s for s in policy.ladder_for(clock.term)
                                if s.level == timer.level)
                    self._escalate(clock, step, now, directory)
            fired += 1
        return fired

    def _escalate(self, clock: StageClock, step: EscalationStep, now: datetime,
                  directory: Directory) -> None:
        self.record(ev.AppealEscalated(
            stage=clock.stage, level=step.level, to_role=step.role,
            to_person_id=self.responsible(step.role, directory),
            overdue_seconds=max(int((now - clock.due_at).total_seconds()), 0)), SLA, at=now)

    def responsible(self, role: Role, directory: Directory) -> str | None:
        """Who holds the role for this appeal: its executor or approver (as routing
        assigned), its block's curator, the MCU head; for any other role, its first holder."""
        if role in PER_APPEAL:
            return self.people.get(role.value)
        if role is Role.BLOCK_CURATOR:
            block = directory.blocks.get(self.thematic_block or "")
            return block.curator if block else None
        if role is Role.MCU_HEAD:
            return directory.mcu_head.id if directory.mcu_head else None
        holders = directory.holders(role)
        return holders[0].id if holders else None

    def _clock(self, stage: DeadlineStage) -> StageClock:
        try:
            return self.stages[stage]
        except KeyError:
            raise DeadlineError("no_deadline", f"У обращения нет срока этапа «{stage.value}»") from None
