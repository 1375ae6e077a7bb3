"""What a row or a card shows of an appeal's deadline: the stage that runs now, the working
time left (or by how much it is late) on the municipality's calendar, its state, and why
the term is what it is («почему такой срок»). Pure: `now` and the calculator are given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.vocabulary import STAGE_RU, UNIT_RU, DeadlineStage, TermUnit
from services.sla.domain.deadline import NOTICE_STAGES, Basis, Deadline, StageClock
from services.sla.domain.policy import Policy
from services.sla.domain.terms import TermCalculator

STATES_RU = {"in_time": "в срок", "due_soon": "срок близко", "overdue": "просрочено",
             "paused": "приостановлено", "met": "соблюдён", "late": "нарушен"}


@dataclass(frozen=True)
class Badge:
    stage: DeadlineStage
    due_at: datetime
    state: str  # in_time | due_soon | overdue | paused | met | late
    working_left: timedelta  # negative: late by that much
    label: str  # Russian: «осталось 2 раб. дн. 3 ч», «просрочено на 5 ч 10 мин»

    def as_json(self) -> dict:
        return {"stage": self.stage.value, "stage_ru": STAGE_RU[self.stage],
                "due_at": self.due_at.isoformat(), "state": self.state,
                "state_ru": STATES_RU[self.state],
                "working_seconds_left": int(self.working_left.total_seconds()),
                "label": self.label}


def current(deadline: Deadline, calc: TermCalculator, now: datetime,
            policy: Policy | None = None) -> Badge | None:
    """The badge of the stage that matters now: the running one due first; when none runs,
    the answer's (met or not)."""
    running = [c for c in deadline.stages.values()
               if not c.stopped and c.stage not in NOTICE_STAGES]  # the MCU's, not the appeal's
    if running:
        return stage_badge(min(running, key=lambda c: c.due_at), calc, now, policy)
    answer = deadline.stages.get(DeadlineStage.ANSWER)
    return stage_badge(answer, calc, now, policy) if answer else None


def stage_badge(clock: StageClock, calc: TermCalculator, now: datetime,
                policy: Policy | None = None) -> Badge:
    """«Срок близко» from the policy's first reminder on (what routing's queues say too:
    a reminder was sent); without reminders, the last working day."""
    day = calc.working_day
    if clock.paused_at is not None:
        return Badge(clock.stage, clock.due_at, "paused", timedelta(), "приостановлено")
    if clock.stopped:
        late = clock.breached
        return Badge(clock.stage, clock.due_at, "late" if late else "met", timedelta(),
                     "нарушен" if late else "соблюдён")
    if now >= clock.due_at or clock.breached:
        behind = calc.working_time(clock.due_at, now)
        return Badge(clock.stage, clock.due_at, "overdue", -behind,
                     f"просрочено на {working_text(behind, day)}")
    left = calc.working_time(now, clock.due_at)
    offsets = policy.reminders_for(clock.term) if policy else ()
    soon = (now >= min(calc.before(clock.due_at, o) for o in offsets) if offsets
            else left <= day)
    return Badge(clock.stage, clock.due_at, "due_soon" if soon else "in_time", left,
                 f"осталось {working_text(left, day)}")


def working_text(delta: timedelta, day: timedelta) -> str:
    """Working time in Russian: whole working days and hours, or hours and minutes."""
    minutes = int(delta.total_seconds() // 60)
    day_minutes = max(1, int(day.total_seconds() // 60))
    if minutes >= day_minutes:
        days, rest = divmod(minutes, day_minutes)
        return f"{days} раб. дн." + (f" {rest // 60} ч" if rest >= 60 else "")
    if minutes >= 60:
        return f"{minutes // 60} ч {minutes % 60:02d} мин"
    return f"{minutes} мин"


def why(deadline: Deadline, clock: StageClock, calc: TermCalculator) -> list[str]:
    """Why this term: the policy rule, what it counts from, the calculation day by day on
    the calendar, then what moved the due moment since (extensions, pauses)."""
    if clock.stage is DeadlineStage.REGISTRATION:
        start = deadline.received_at
    elif clock.basis.startswith((Basis.REOPENED.value, Basis.EXTENDED.value)):
        start = clock.set_at
    else:
        start = deadline.registered_at
    lines = [f"правило политики «{clock.policy_id}»: {clock.term.amount} "
             f"{UNIT_RU[clock.term.unit]}", f"основание: {clock.basis or 'регистрация'}"]
    computed = calc.due(start or clock.set_at, clock.term)
    lines.extend(computed.explanation)
    if clock.extensions:
        lines.append(f"срок продлён ({clock.extensions} раз): действует "
                     f"{clock.due_at.astimezone(calc.schedule.timezone):%d.%m.%Y %H:%M}")
    elif computed.due != clock.due_at:
        lines.append("срок сдвинут (приостановка или новая редакция календаря): действует "
                     f"{clock.due_at.astimezone(calc.schedule.timezone):%d.%m.%Y %H:%M}")
    return lines
