"""What a queue row and a card show of a deadline: working time left or late on the
calendar, the state, and «почему такой срок» (pure)."""

from __future__ import annotations

from datetime import timedelta

from contracts.vocabulary import DeadlineStage, TermUnit
from services.sla.domain.badge import stage_badge, why, working_text
from services.sla.domain.deadline import Deadline, StageClock
from services.sla.domain.terms import Term
from tests.unit.sla.test_calendar_and_terms import at, calc


def test_working_time_counts_only_the_schedule_and_skips_holidays_and_lunch():
    c = calc()  # 9–18 with lunch 13–14: 8 h a day
    assert c.working_time(at("2026-03-16 10:00"), at("2026-03-18 12:00")) == timedelta(hours=18)
    # 8 March 2026 is a Sunday; the 9th is its holiday moved: Friday 6th 17:00 -> Tuesday 10th 10:00
    assert c.working_time(at("2026-03-06 17:00"), at("2026-03-10 10:00")) == timedelta(hours=2)
    assert c.working_time(at("2026-03-10 10:00"), at("2026-03-06 17:00")) == timedelta()
    # a year of it answers the same as day by day would
    start, end = at("2025-03-03 11:30"), at("2026-03-04 15:15")
    naive, d = timedelta(), start.date()
    while d <= end.date():
        for a, b in c.schedule.periods(c.calendar.day(d)):
            naive += max(timedelta(), min(b, end) - max(a, start))
        d += timedelta(days=1)
    assert c.working_time(start, end) == naive


def clock(due: str, **state) -> StageClock:
    return StageClock(DeadlineStage.ANSWER, at(due), Term(10, TermUnit.WORKING_DAYS), "answer",
                      at("2026-03-02 10:00"), basis="регистрация обращения", **state)


def test_the_state_follows_the_working_time_left():
    c, now = calc(), at("2026-03-16 10:00")
    assert stage_badge(clock("2026-03-20 23:59:59"), c, now).state == "in_time"
    soon = stage_badge(clock("2026-03-16 17:00"), c, now)
    assert soon.state == "due_soon" and soon.label == "осталось 6 ч 00 мин"
    late = stage_badge(clock("2026-03-12 18:00", breached=True), c, now)
    assert late.state == "overdue" and late.label == "просрочено на 1 раб. дн. 1 ч"  # Fri + 9–10
    assert stage_badge(clock("2026-03-20 18:00", paused_at=now), c, now).state == "paused"
    assert stage_badge(clock("2026-03-20 18:00", stopped=True), c, now).state == "met"


def test_working_text_reads_as_days_and_hours():
    day = timedelta(hours=8)
    assert working_text(timedelta(hours=19), day) == "2 раб. дн. 3 ч"
    assert working_text(timedelta(minutes=45), day) == "45 мин"


def test_why_recomputes_the_term_day_by_day_and_says_what_moved_it():
    c = calc()
    d = Deadline.start(__import__("uuid").uuid4(), {
        "kind": "official", "received_at": at("2026-03-02 10:00").isoformat(),
        "registered_at": at("2026-03-02 10:00").isoformat()}, at=at("2026-03-02 10:00"))
    extended = clock("2026-03-30 23:59:59", extensions=1)
    lines = why(d, extended, c)
    assert lines[0] == "правило политики «answer»: 10 рабочих дн."
    assert any("не считается" in line for line in lines)  # the 9 March holiday
    assert lines[-1].startswith("срок продлён (1 раз)")


def test_due_soon_begins_with_the_policys_first_reminder():
    """The badge turns amber when the first reminder goes (2 working days before a term in
    days, by the shipped policy): the moment routing's queues call the deadline close."""
    from zoneinfo import ZoneInfo

    from services.sla.adapters import policy_file

    policy = policy_file.load(policy_file.SHIPPED_POLICY, ZoneInfo("Europe/Moscow")).policy
    c, now = calc(), at("2026-03-16 10:00")  # Monday
    # due Wednesday 18:00: the 2wd reminder was Monday 09:00, so it is close already
    assert stage_badge(clock("2026-03-18 18:00"), c, now, policy).state == "due_soon"
    assert stage_badge(clock("2026-03-18 18:00"), c, now).state == "in_time"  # 1 day rule
    assert stage_badge(clock("2026-03-19 18:00"), c, now, policy).state == "in_time"
