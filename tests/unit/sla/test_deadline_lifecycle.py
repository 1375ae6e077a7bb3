"""Deadline lifecycle through the SLA application, on an injected clock (in-memory store)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import Actor
from contracts.vocabulary import DeadlineStage, Role
from kit.unit_of_work import UnitOfWork
from kit.outbox import envelope_of
from services.sla.application import SlaApplication
from services.sla.domain.deadline import DeadlineError
from services.sla.domain.terms import Term
from tests.support.envelopes import AppealStory
from tests.unit.sla.conftest import MON

ANSWER = DeadlineStage.ANSWER
APPROVER = Actor(id="u-petrov", role="approver")


def feed(sla: SlaApplication, *envelopes) -> None:
    for envelope in envelopes:
        unit = UnitOfWork(sla)
        sla.react(envelope, unit)
        sla.save(*unit.aggregates())  # what the consumer stores


def published(sla: SlaApplication, appeal_id) -> list[tuple[str, dict]]:
    events = [envelope_of("sla", sla.domain_event(n)) for n in sla.notifications_after(0, 10_000)]
    return [(e.event_type, e.payload) for e in events if e and e.appeal_id == appeal_id]


def types(sla, appeal_id) -> list[str]:
    return [t for t, _ in published(sla, appeal_id)]


def test_registration_sets_the_policy_term_for_the_kind(sla):
    story = AppealStory()
    feed(sla, story.registered(MON, kind="official"))
    assert types(sla, story.appeal_id) == ["DeadlineSet", "DeadlineStopped", "DeadlineSet",
                                           "DeadlineSet"]
    registration, stopped, answer, notice = (p for _, p in published(sla, story.appeal_id))
    assert registration["stage"] == "registration" and stopped["met"] is True
    assert answer["due_at"] == "2026-12-16T23:59:59+03:00"
    assert answer["policy_id"] == "official-answer"
    assert notice["stage"] == "registration_notice"  # the forwarding's and extension's wait
    assert notice["due_at"] == "2026-11-19T23:59:59+03:00"  # 3 days from registration


def test_reminders_overdue_and_escalation_fire_once_each_in_order(sla, clock):
    story = AppealStory()
    feed(sla, story.registered(MON), story.event("AppealAssigned", MON, executor_id="u-ivanova"))
    # message, topic «Ямы во дворах»: 10 working days -> due 30.11.2026 23:59:59 MSK
    clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))  # Thursday 09:00 MSK: 2wd before
    assert sla.fire_due() == 1
    assert sla.fire_due() == 0  # the same moment again fires nothing
    clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))  # Wed 15:00 MSK: levels 1-3, not 4 (03.12 09:00)
    sla.fire_due()
    fired = published(sla, story.appeal_id)[1:]
    assert [t for t, _ in fired] == ["DeadlineReminderIssued", "DeadlineBreached",
                                     "AppealEscalated", "AppealEscalated", "AppealEscalated"]
    assert fired[0][1]["remind_before"] == "2wd" and fired[0][1]["recipients"] == ["u-ivanova"]
    escalations = [p for t, p in fired if t == "AppealEscalated"]
    assert [(e["level"], e["to_role"], e["to_person_id"]) for e in escalations] == [
        (1, "executor", "u-ivanova"), (2, "approver", None),
        (3, "block_curator", "u-zam-gkh")]  # the directory's curator of «Дороги»
    assert sla.tenant(None).directory.people["u-zam-gkh"].roles == {Role.BLOCK_CURATOR}
    # the 1wd reminder fell due together with the breach: it is skipped, not sent late
    assert "1wd" not in [p.get("remind_before") for _, p in fired]


def test_publication_stops_the_deadline_and_reopening_restarts_it(sla, clock):
    story = AppealStory()
    feed(sla, story.registered(MON))
    answered = MON + timedelta(days=2)
    feed(sla, story.event("AnswerPublished", answered))
    assert published(sla, story.appeal_id)[-1] == ("DeadlineStopped", {"stage": "answer", "met": True})
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    assert sla.fire_due() == 0  # a stopped deadline has no timers
    reopened = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # Friday
    feed(sla, story.event("AppealReopened", reopened))
    kind, payload = published(sla, story.appeal_id)[-1]
    assert kind == "DeadlineSet" and payload["basis"] == "переоткрытие обращения"
    assert payload["due_at"] == "2026-12-04T23:59:59+03:00"  # 10 working days from reopening


def test_postponed_time_does_not_count(sla, clock):
    story = AppealStory()
    feed(sla, story.registered(MON))
    before = sla.deadline(story.appeal_id).stages[ANSWER].due_at
    postponed_at = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)
    feed(sla, story.event("AppealPostponed", postponed_at, until="2026-11-25"))
    assert types(sla, story.appeal_id)[-1] == "DeadlinePaused"
    clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert sla.fire_due() == 0  # paused: no reminders, no overdue
    clock.set(datetime(2026, 11, 25, 0, 0, tzinfo=UTC))  # 03:00 MSK on 25.11 > resume at 00:00
    assert sla.fire_due() == 1
    kind, payload = published(sla, story.appeal_id)[-1]
    assert kind == "DeadlineResumed"
    paused = datetime(2026, 11, 24, 21, 0, tzinfo=UTC) - postponed_at  # until 00:00 MSK
    assert payload["paused_seconds"] == paused.total_seconds()
    after = sla.deadline(story.appeal_id).stages[ANSWER].due_at
    assert after.date() == (before + paused).date()  # 30.11 + 6 d 14 h -> end of 07.12 (Mon)
    assert after == datetime.fromisoformat("2026-12-07T23:59:59+03:00")


def test_a_draft_answer_ends_the_postponement_early(sla):
    story = AppealStory()
    feed(sla, story.registered(MON),
         story.event("AppealPostponed", MON + timedelta(days=1), until="2027-04-15"),
         story.event("AnswerDrafted", MON + timedelta(days=3)))
    assert types(sla, story.appeal_id)[-2:] == ["DeadlinePaused", "DeadlineResumed"]
    assert published(sla, story.appeal_id)[-1][1]["paused_seconds"] == 2 * 86400


def test_an_official_deadline_extends_once_within_thirty_days(sla):
    story = AppealStory()
    feed(sla, story.registered(MON, kind="official"))
    with pytest.raises(DeadlineError) as too_long:
        sla.extend(story.appeal_id, ANSWER, Term.parse("31d"), "выезд", APPROVER)
    assert too_long.value.code == "extension_too_long"
    sla.extend(story.appeal_id, ANSWER, Term.parse("30d"), "выезд комиссии", APPROVER)
    assert sla.deadline(story.appeal_id).stages[ANSWER].due_at == datetime.fromisoformat(
        "2027-01-15T23:59:59+03:00")
    with pytest.raises(DeadlineError) as second:
        sla.extend(story.appeal_id, ANSWER, Term.parse("5d"), "ещё раз", APPROVER)
    assert second.value.code == "extension_limit_reached"
    assert "не более одного раза" in str(second.value)
    assert types(sla, story.appeal_id).count("DeadlineExtended") == 1


def test_extensions_the_policy_does_not_allow_are_refused(sla):
    story = AppealStory()
    feed(sla, story.registered(MON))
    with pytest.raises(DeadlineError) as refused:
        sla.extend(story.appeal_id, ANSWER, Term.parse("5wd"), "причина", APPROVER)
    assert refused.value.code == "extension_not_allowed"
    with pytest.raises(DeadlineError) as missing:
        sla.extend(story.appeal_id, DeadlineStage.FORWARDING, Term.parse("1d"), "x", APPROVER)
    assert missing.value.code == "no_deadline"


def test_a_kind_change_rebases_the_terms_from_registration(sla):
    story = AppealStory()
    feed(sla, story.registered(MON))
    reclassified = story.event("AppealClassified", MON + timedelta(hours=2), classification={
        **story.registered(MON).payload.classification.model_dump(mode="json"), "kind": "official"})
    feed(sla, reclassified)
    rebased = {p["stage"]: p for t, p in published(sla, story.appeal_id)
               if t == "DeadlineSet" and p["basis"].startswith("смена вида обращения")}
    assert rebased["answer"]["due_at"] == "2026-12-16T23:59:59+03:00"
    assert rebased["registration_notice"]["due_at"] == "2026-11-19T23:59:59+03:00"


def test_social_posts_count_working_hours(sla):
    story = AppealStory()
    friday_evening = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 17:00 MSK
    feed(sla, story.registered(friday_evening, kind="social"))
    dues = {p["stage"]: p["due_at"] for t, p in published(sla, story.appeal_id)
            if t == "DeadlineSet"}
    assert dues == {"first_reaction": "2026-11-23T11:00:00+03:00",
                    "answer": "2026-11-23T17:00:00+03:00"}


def test_events_of_unknown_appeals_change_nothing(sla):
    story = AppealStory()
    feed(sla, story.event("AnswerPublished", MON))
    assert published(sla, story.appeal_id) == []


def test_deadlines_use_the_event_time_not_processing_time(sla, clock):
    story = AppealStory()
    clock.set(datetime(2027, 3, 1, tzinfo=UTC))  # processed months later
    feed(sla, story.registered(MON), story.event("AnswerPublished", MON + timedelta(days=1)))
    assert published(sla, story.appeal_id)[-1][1]["met"] is True
    assert sla.deadline(story.appeal_id).stages[ANSWER].due_at.date() == date(2026, 11, 30)


def test_after_downtime_only_the_latest_reminder_is_sent_and_nothing_stays_due(sla, clock):
    story = AppealStory()
    feed(sla, story.registered(MON))
    deadline = sla.deadline(story.appeal_id)
    clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))  # both 2wd and 1wd moments have passed
    assert sla.fire_due() == 1
    reminders = [p["remind_before"] for t, p in published(sla, story.appeal_id)
                 if t == "DeadlineReminderIssued"]
    assert reminders == ["1wd"]
    deadline = sla.deadline(story.appeal_id)
    assert deadline.next_timer_at(sla.tenant(None).calc, sla.tenant(None).policy) > clock.now()  # no busy loop
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    sla.fire_due()
    assert sla.deadline(story.appeal_id).next_timer_at(sla.tenant(None).calc, sla.tenant(None).policy) > clock.now()


def test_calendar_changes_are_recorded_and_deadlines_name_the_revision_they_used(sla):
    from dataclasses import replace

    from services.sla.domain.terms import TermCalculator

    assert [c.split(":")[0] for c in sla.record_calendar()] == ["2025", "2026", "2027"]
    assert sla.record_calendar() == []  # unchanged: nothing recorded again
    story = AppealStory()
    feed(sla, story.registered(MON))
    used = sla.deadline(story.appeal_id).calendars["answer"]
    tenant = sla.tenant(None)
    assert used == tenant.calc.revision

    year = tenant.calc.calendar.years[2026]
    extra_holiday = replace(year, non_working={**year.non_working,
                                               date(2026, 11, 20): "региональный праздник"})
    changed = TermCalculator(tenant.calc.calendar.with_year(extra_holiday), tenant.calc.schedule)
    sla.tenants[tenant.directory.id] = replace(tenant, calc=changed)
    assert sla.record_calendar() == [f"2026: календарь изменён ({sla.calendar_revisions()[1]['revisions'][-1]['digest']})"]
    assert len(sla.calendar_revisions()[1]["revisions"]) == 2
    assert changed.revision != used  # the old deadline still names the revision it used


def test_an_official_emails_answer_is_on_time_when_delivered_not_when_published(sla):
    """59-ФЗ: the answer's date is its dispatch. An official appeal the platform answers by
    e-mail meets its answer term with AnswerDelivered, and so does one by ПОС (its
    receiver acknowledged); a message meets it by publication."""
    official, message, by_pos = AppealStory(), AppealStory(), AppealStory()
    feed(sla, official.registered(MON, kind="official", channel="email"),
         message.registered(MON, kind="message", channel="email"),
         by_pos.registered(MON, kind="official", channel="pos"))
    later = MON + timedelta(days=1)
    for story in (official, message, by_pos):
        feed(sla, story.event("AnswerPublished", later))
    stopped = {s.appeal_id: [p["stage"] for t, p in published(sla, s.appeal_id)
                             if t == "DeadlineStopped" and p["stage"] != "registration"]
               for s in (official, message, by_pos)}
    assert stopped[official.appeal_id] == []  # published, not yet delivered: still running
    assert stopped[by_pos.appeal_id] == []
    assert "answer" in stopped[message.appeal_id]
    feed(sla, official.event("DeliveryFailed", later, retry_at=None))
    assert "DeadlineStopped" not in types(sla, official.appeal_id)[3:]
    feed(sla, official.event("AnswerDelivered", later + timedelta(hours=1)))
    [(_, met)] = [(t, p) for t, p in published(sla, official.appeal_id)
                  if t == "DeadlineStopped" and p["stage"] == "answer"]
    assert met["met"] is True
    feed(sla, message.event("AnswerDelivered", later))  # a message: stopped already
    assert [p["stage"] for t, p in published(sla, message.appeal_id)
            if t == "DeadlineStopped"].count("answer") == 1


def test_an_official_letter_is_on_time_by_its_posting_day_recorded_afterwards(sla):
    """The operator records a posting days later: the term is met by the day it was
    posted (AnswerDelivered.dispatched_at), not by the day it was recorded."""
    posted_late, posted_in_time = AppealStory(), AppealStory()
    for story in (posted_late, posted_in_time):
        feed(sla, story.registered(MON, kind="official", channel="letter"),
             story.event("AnswerPublished", MON + timedelta(days=1)))
    recorded = MON + timedelta(days=90)  # long after any answer term
    feed(sla, posted_late.event("AnswerDelivered", recorded),
         posted_in_time.event("AnswerDelivered", recorded,
                              dispatched_at=(MON + timedelta(days=2)).isoformat()))
    met = {s.appeal_id: [p["met"] for t, p in published(sla, s.appeal_id)
                         if t == "DeadlineStopped" and p["stage"] == "answer"]
           for s in (posted_late, posted_in_time)}
    assert met == {posted_late.appeal_id: [False], posted_in_time.appeal_id: [True]}


def test_each_notice_has_its_term_met_by_its_delivery_and_late_ones_go_to_the_mcu_head(sla,
                                                                                       clock):
    """59-ФЗ notices: registration's from registration, forwarding's when the appeal is
    transferred (art. 8), extension's from the extension (art. 12); NoticeDelivered stops
    each (a letter by its posting day); no reminder to an executor, a late one is the MCU
    head's; and none of them is the appeal's deadline in the badge."""
    transferred, extended = AppealStory(), AppealStory()
    feed(sla, transferred.registered(MON, kind="official"),
         extended.registered(MON, kind="official"),
         transferred.event("AppealTransferred", MON + timedelta(days=2)))
    stages = {p["stage"]: p for t, p in published(sla, transferred.appeal_id)
              if t == "DeadlineSet"}
    assert stages["forwarding_notice"]["due_at"] == "2026-11-23T23:59:59+03:00"  # 7 days
    stopped = [p["stage"] for t, p in published(sla, transferred.appeal_id)
               if t == "DeadlineStopped"]
    assert "answer" in stopped and "registration_notice" not in stopped
    feed(sla, transferred.event("NoticeDelivered", MON + timedelta(days=9), notice="forwarding",
                                channel="letter",
                                dispatched_at=(MON + timedelta(days=5)).isoformat()),
         transferred.event("NoticeDelivered", MON + timedelta(days=1), notice="registration"))
    met = {p["stage"]: p["met"] for t, p in published(sla, transferred.appeal_id)
           if t == "DeadlineStopped"}
    assert met["forwarding_notice"] is True and met["registration_notice"] is True

    deadline = sla.repository.get(extended.appeal_id)
    assert "extension_notice" not in {s.value for s in deadline.stages}
    clock.set(MON + timedelta(days=3))
    sla.extend(extended.appeal_id, DeadlineStage.ANSWER, Term.parse("10d"),
               "нужна проверка на месте", APPROVER)
    notice = [p for t, p in published(sla, extended.appeal_id)
              if t == "DeadlineSet" and p["stage"] == "extension_notice"]
    assert notice and notice[0]["basis"] == "продление срока ответа"
    clock.set(MON + timedelta(days=40))
    sla.fire_due()
    late = [(t, p) for t, p in published(sla, extended.appeal_id)
            if p.get("stage") in ("registration_notice", "extension_notice")
            and t in ("DeadlineReminderIssued", "AppealEscalated")]
    assert late and all(t == "AppealEscalated" and p["to_role"] == "mcu_head" for t, p in late)
