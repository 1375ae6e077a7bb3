"""The appeal at a moment, folded from its events as the log holds them, and the decisions
re-checked from the log alone (same-day return, a deadline's stop and breach)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.examples import EXAMPLES, example_envelope
from contracts.vocabulary import AppealStatus, DeadlineStage
from services.audit.domain.rechecks import recheck
from services.audit.domain.state import Event, state_at

T0 = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # Monday 10:00 in Rostov (UTC+3)
ZONE = ZoneInfo("Europe/Moscow")


def event(event_type: str, hours: float, n: int, version: int = 1, cause: int | None = None,
          **payload) -> Event:
    envelope = example_envelope(event_type, version)
    envelope.update(event_id=f"e{n}", causation_id=f"e{cause}" if cause else None,
                    occurred_at=(T0 + timedelta(hours=hours)).isoformat(),
                    payload={**EXAMPLES[(event_type, version)], **payload})
    return Event.of(envelope)


def due(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def history() -> list[Event]:
    return [
        event("AppealRegistered", 0, 1),
        event("AppealNumbered", 0.01, 2, registration_number="ОГ-00007/2026"),
        event("DeadlineSet", 0.02, 3, stage="answer", due_at=due(240)),
        event("AppealRouted", 1, 4, recipient_id="adm-roads"),
        event("AppealAssigned", 2, 5, recipient_id="adm-roads", executor_id="u-ivanova"),
        event("AnswerPublished", 100, 6),
        event("DeadlineStopped", 100, 7, stage="answer", met=True),
        event("AppealRated", 120, 8, version=2, score=2, satisfied=False),
        event("AppealReopened", 130, 9),
        event("DeadlineSet", 130, 10, stage="answer", due_at=due(250)),
    ]


def test_the_state_before_and_after_a_reopening():
    events = history()
    before = state_at(events, T0 + timedelta(hours=125))
    assert before.status is AppealStatus.ANSWERED and before.events == 8
    assert before.registration_number == "ОГ-00007/2026"
    assert (before.recipient_id, before.executor_id) == ("adm-roads", "u-ivanova")
    assert before.answered_at == T0 + timedelta(hours=100) and before.rating == 2
    assert before.deadlines[DeadlineStage.ANSWER].standing(before.at) == "met"
    after = state_at(events, T0 + timedelta(hours=260))
    assert after.status is AppealStatus.REOPENED and after.reopenings == 1
    assert after.answered_at is None
    clock = after.deadlines[DeadlineStage.ANSWER]
    assert clock.due_at == T0 + timedelta(hours=250) and clock.standing(after.at) == "overdue"
    at_start = state_at(events, T0 + timedelta(minutes=30))
    assert at_start.status is AppealStatus.NEW and at_start.recipient_id is None
    assert at_start.deadlines[DeadlineStage.ANSWER].standing(at_start.at) == "in_time"


def test_a_return_the_day_after_the_assignment_breaks_the_same_day_rule():
    assigned = event("AppealAssigned", 0, 1, recipient_id="adm-roads", executor_id="u-ivanova")
    same_day = event("AppealReturned", 10, 2, returned_by="executor")  # 20:00 local
    found = recheck([assigned, same_day], ZONE)
    assert [(r.rule, r.consistent) for r in found] == [("same_day_return", True)]
    next_day = event("AppealReturned", 15, 3, returned_by="executor")  # 01:00 next day
    found = recheck([assigned, next_day], ZONE)
    assert not found[0].consistent and "не в тот же день" in found[0].detail
    by_settlement = event("AppealReturned", 40, 4, returned_by="subordinate_recipient")
    assert recheck([assigned, by_settlement], ZONE) == []


def test_a_stop_said_in_time_after_its_due_moment_is_found_and_a_posting_day_counts():
    set_ = event("DeadlineSet", 0, 1, stage="answer", due_at=due(24))
    honest = event("DeadlineStopped", 30, 2, stage="answer", met=False)
    forged = event("DeadlineStopped", 30, 3, stage="answer", met=True)
    assert recheck([set_, honest], ZONE)[0].consistent
    wrong = recheck([set_, forged], ZONE)[0]
    assert not wrong.consistent and "по журналу — с опозданием" in wrong.detail
    posted = event("AnswerDelivered", 30, 4, dispatched_at=due(20))
    by_post = event("DeadlineStopped", 30, 5, cause=4, stage="answer", met=True)
    assert recheck([set_, posted, by_post], ZONE)[0].consistent


def test_a_breach_before_its_due_moment_is_found():
    early = event("DeadlineBreached", 5, 1, stage="answer", due_at=due(24))
    late = event("DeadlineBreached", 25, 2, stage="answer", due_at=due(24))
    assert [r.consistent for r in recheck([early, late], ZONE)] == [False, True]


def test_an_event_left_out_of_the_log_makes_the_history_incomplete():
    from services.audit.domain.rechecks import left_out

    def numbered(event_type: str, n: int, seq: int, previous: int | None) -> Event:
        envelope = example_envelope(event_type, 1)
        envelope.update(event_id=f"e{n}", seq=seq, previous_seq=previous,
                        occurred_at=(T0 + timedelta(hours=n)).isoformat())
        return Event.of(envelope)

    whole = [numbered("AppealRouted", 1, 2, 0), numbered("AppealAssigned", 2, 5, 2),
             numbered("AnswerPublished", 3, 9, 5)]  # gaps in seq: facts kept inside
    assert left_out(whole, ZONE) == []
    missing = left_out([whole[0], whole[2]], ZONE)
    assert [(r.rule, r.consistent, r.event_id) for r in missing] == [
        ("complete_history", False, "e3")]
    assert "нет события № 5 службы «routing»" in missing[0].detail
    assert "история неполна" in missing[0].detail
    before = [numbered("AppealRouted", 1, 2, None), numbered("AnswerPublished", 3, 9, None)]
    assert left_out(before, ZONE) == []  # written before 1.4.0: nothing said, nothing judged


def test_the_owners_recomputations_become_findings():
    """Routing's and SLA's answers (their recheck doors) as the auditor reads them: the
    same decision, a different one, a revision the owner does not keep, no answer; a
    calendar changed afterwards is said, and is no fault."""
    from services.audit.domain.rechecks import autorule_decisions, deadline_terms

    routed = event("AppealRouted", 1, 1, recipient_id="adm-roads", rule_id="roads",
                   rule_version=3)
    same = {"revision_known": True, "recipient_id": "adm-roads", "rule_id": "roads",
            "reason": "…"}
    other = same | {"recipient_id": "adm-gkh", "rule_id": "housing"}
    assert autorule_decisions([routed], {"e1": same}, ZONE)[0].consistent
    wrong = autorule_decisions([routed], {"e1": other}, ZONE)[0]
    assert wrong.consistent is False and "получатель «adm-gkh» по правилу «housing»" in wrong.detail
    named = autorule_decisions([routed], {"e1": other}, ZONE, {"adm-gkh": "Управление ЖКХ"}.get)
    assert "получатель «Управление ЖКХ» по правилу «housing»" in named[0].detail
    unknown = autorule_decisions([routed], {"e1": same | {"revision_known": False}}, ZONE)[0]
    assert unknown.consistent is None and "не пересчитано" in unknown.detail
    not_asked = autorule_decisions([routed], {"e1": None}, ZONE)[0]
    assert not_asked.consistent is None and "нужен токен аудитора" in not_asked.detail
    assert autorule_decisions([routed], {}, ZONE) == []  # not asked: nothing said

    set_ = event("DeadlineSet", 0, 2, stage="answer", due_at=due(240),
                 counted_from=T0.isoformat(), calendar_revision="3770e7fa3d732741")
    kept = {"revision_known": True, "consistent": True, "recomputed_due_at": due(240),
            "calendar_changed_since": False, "due_at_with_current_calendar": due(240),
            "current_calendar_revision": "3770e7fa3d732741", "explanation": []}
    assert "тот же срок" in deadline_terms([set_], {"e2": kept}, ZONE)[0].detail
    changed = kept | {"calendar_changed_since": True, "due_at_with_current_calendar": due(264),
                      "current_calendar_revision": "aaaaaaaaaaaaaaaa"}
    since = deadline_terms([set_], {"e2": changed}, ZONE)[0]
    assert since.consistent and "календарь изменён после" in since.detail
    assert "по ней срок был бы 27.11.2026 10:00" in since.detail
    forged = kept | {"consistent": False, "recomputed_due_at": due(216)}
    bad = deadline_terms([set_], {"e2": forged}, ZONE)[0]
    assert bad.consistent is False and "срок не следует из правила и календаря" in bad.detail


def test_a_term_the_named_policy_revision_does_not_give_is_found():
    from services.audit.domain.rechecks import deadline_terms

    set_ = event("DeadlineSet", 0, 2, stage="answer", due_at=due(240), policy_id="official",
                 counted_from=T0.isoformat(), calendar_revision="3770e7fa3d732741",
                 policy_revision="0123456789abcdef")
    answer = {"revision_known": True, "consistent": True, "recomputed_due_at": due(240),
              "calendar_changed_since": False, "due_at_with_current_calendar": due(240),
              "current_calendar_revision": "3770e7fa3d732741", "explanation": [],
              "policy_revision_known": True, "policy_term": "30d", "term_consistent": True}
    same = deadline_terms([set_], {"e2": answer}, ZONE)[0]
    assert same.consistent and "правило «official» в редакции политики 0123456789abcdef: " \
        "тот же срок" in same.detail
    other = deadline_terms([set_], {"e2": answer | {"term_consistent": False,
                                                    "policy_term": "15d"}}, ZONE)[0]
    assert other.consistent is False and "15d — не тот срок, что в событии" in other.detail
