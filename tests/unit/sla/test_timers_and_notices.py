"""The timer index and the texts people receive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from contracts import typed
from services.sla.domain.notices import AppealContext, notice_for
from services.sla.domain.timer_index import TimerIndex

T0 = datetime(2026, 11, 16, tzinfo=UTC)


def test_due_returns_appeals_in_time_order_and_only_when_due():
    index = TimerIndex()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    index.schedule(a, T0 + timedelta(minutes=2))
    index.schedule(b, T0 + timedelta(minutes=1))
    index.schedule(c, T0 + timedelta(days=1))
    assert index.due(T0) == []
    assert index.due(T0 + timedelta(minutes=5)) == [b, a]
    assert len(index) == 1


def test_rescheduling_replaces_the_earlier_moment_and_none_unschedules():
    index = TimerIndex()
    a, b = uuid.uuid4(), uuid.uuid4()
    index.schedule(a, T0)
    index.schedule(a, T0 + timedelta(hours=1))  # moved later: the old entry is stale
    index.schedule(b, T0)
    index.schedule(b, None)
    assert index.due(T0 + timedelta(minutes=1)) == []
    assert index.next_moment() == (T0 + timedelta(hours=1)).timestamp()
    assert index.due(T0 + timedelta(hours=1)) == [a]


def test_due_respects_the_batch_limit():
    index = TimerIndex()
    ids = [uuid.uuid4() for _ in range(10)]
    for n, appeal in enumerate(ids):
        index.schedule(appeal, T0 + timedelta(seconds=n))
    assert index.due(T0 + timedelta(minutes=1), limit=4) == ids[:4]
    assert len(index) == 6


CTX = AppealContext("9d4e", "Ямы во дворах", "Дороги", "u-ivanova", "u-petrov")
MSK = ZoneInfo("Europe/Moscow")


def test_a_reminder_tells_what_to_do_before_the_moment_in_local_time():
    notice = notice_for(typed("DeadlineReminderIssued", 1, {
        "stage": "answer", "due_at": "2026-12-16T20:59:59+00:00", "remind_before": "2wd",
        "recipients": ["u-ivanova", "u-petrov"]}), CTX, MSK, "u-head")
    assert notice.to == ("u-ivanova", "u-petrov")
    assert notice.subject == "Напоминание: срок ответа истекает 16.12.2026 23:59"
    assert "Ямы во дворах" in notice.body and "продление" in notice.body


def test_overdue_goes_to_the_executor_and_approver():
    notice = notice_for(typed("DeadlineBreached", 1, {
        "stage": "answer", "due_at": "2026-12-16T20:59:59+00:00"}), CTX, MSK, "u-head")
    assert notice.to == ("u-ivanova", "u-petrov") and notice.subject.startswith("Просрочено")


def test_an_escalation_names_the_level_and_the_role_and_falls_back_to_the_head():
    payload = {"stage": "answer", "level": 3, "to_role": "block_curator", "to_person_id": None,
               "overdue_seconds": 7 * 3600}
    notice = notice_for(typed("AppealEscalated", 1, payload), CTX, MSK, "u-head")
    assert notice.to == ("u-head",)
    assert "уровень 3" in notice.subject and "куратор отраслевого блока" in notice.body


def test_other_events_need_no_mail():
    stopped = typed("DeadlineStopped", 1, {"stage": "answer", "met": True})
    assert notice_for(stopped, CTX, MSK, "u-head") is None


def test_rescheduling_often_keeps_the_timer_heap_bounded():
    import uuid
    from datetime import UTC, datetime, timedelta

    from services.sla.domain.timer_index import TimerIndex

    index, start = TimerIndex(), datetime(2026, 11, 16, tzinfo=UTC)
    appeals = [uuid.uuid4() for _ in range(100)]
    for n in range(20_000):  # each deadline moved 200 times
        index.schedule(appeals[n % 100], start + timedelta(minutes=n))
    assert len(index) == 100 and index.entries() <= 2 * 100 + 1024
    for appeal in appeals[:50]:
        index.schedule(appeal, None)  # finished: no timer left
    assert len(index) == 50
    due = index.due(start + timedelta(days=30))
    assert sorted(due) == sorted(appeals[50:])
