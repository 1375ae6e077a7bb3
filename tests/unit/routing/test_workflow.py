"""The workflow through the routing application (in-memory store, injected clock):
every transition, every refusal, the same-day return rule across midnight and zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kit.clock import FixedClock
from kit.outbox import envelope_of
from services.routing.domain.errors import RoutingError
from tests.support.routing import NOW, registered, routing_app, who


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def app(clock):
    return routing_app(clock)


def run(app, command, appeal, person, **args):
    return app.command(command, appeal.appeal_id, who(app, person), **args)


def published(app, appeal) -> list[str]:
    events = (envelope_of("routing", app.domain_event(n)) for n in app.notifications_after(0, 10_000))
    return [e.event_type for e in events if e and e.appeal_id == appeal.appeal_id]


def refused(code, fn, *args, **kwargs):
    with pytest.raises(RoutingError) as refusal:
        fn(*args, **kwargs)
    assert refusal.value.code == code, str(refusal.value)
    return refusal.value


def test_the_whole_path_from_registration_to_reopening(app):
    appeal = registered(app)
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    run(app, "return_executor", appeal, "p-executor", reason="не наш участок",
        suggested_recipient_id="other")
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor-2")
    run(app, "draft", appeal, "p-executor-2", text="Отремонтируем в мае")
    run(app, "send_for_approval", appeal, "p-executor-2")
    run(app, "return_for_rework", appeal, "p-approver", criteria=["no_dates", "no_evidence"],
        comment="нужны сроки и фото")
    run(app, "draft", appeal, "p-executor-2", text="Ремонт 15.05.2027, акт и фото приложены",
        attachments=2)
    run(app, "send_for_approval", appeal, "p-executor-2")
    run(app, "approve", appeal, "p-approver")
    run(app, "publish", appeal, "p-approver")
    workflow = run(app, "rate", appeal, "p-applicant", score=2, comment="не сделано")
    assert workflow.status == "reopened" and workflow.reopenings == 1 and workflow.reworks == 1
    assert published(app, appeal) == [
        "AppealRouted", "AppealAssigned", "AppealReturned", "AppealAssigned", "AnswerDrafted",
        "AnswerSentForApproval", "AnswerReturnedForRework", "AnswerDrafted",
        "AnswerSentForApproval", "AnswerApproved", "AnswerPublished", "AppealRated",
        "AppealReopened"]


def test_a_good_rating_closes_the_appeal(app):
    appeal = registered(app)
    for command, person, args in (("assign", "p-coordinator", {"executor_id": "p-executor"}),
                                  ("draft", "p-executor", {"text": "Сделано"}),
                                  ("send_for_approval", "p-executor", {}),
                                  ("approve", "p-approver", {}), ("publish", "p-approver", {})):
        run(app, command, appeal, person, **args)
    assert run(app, "rate", appeal, "p-applicant", score=5).status == "closed"
    refused("appeal_closed", run, app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    assert run(app, "reopen", appeal, "p-mcu_head", reason="повторная жалоба").status == "reopened"


@pytest.mark.parametrize("command, args, code", [
    ("approve", {}, "illegal_transition"),                      # approve before a draft
    ("publish", {}, "illegal_transition"),
    ("send_for_approval", {}, "illegal_transition"),
    ("rate", {"score": 5}, "illegal_transition"),
    ("resolve_dispute", {"recipient_id": "dep", "decision": "x"}, "no_dispute"),
    ("reopen", {"reason": "x"}, "illegal_transition"),
])
def test_illegal_transitions_are_refused_and_change_nothing(app, command, args, code):
    appeal = registered(app)
    person = {"approve": "p-approver", "publish": "p-approver", "rate": "p-applicant",
              "send_for_approval": "p-mcu_head", "resolve_dispute": "p-mcu_head",
              "reopen": "p-mcu_head"}[command]
    if command == "send_for_approval":
        run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
        person = "p-executor"
    before = published(app, appeal)
    refused(code, run, app, command, appeal, person, **args)
    assert published(app, appeal) == before


def test_a_return_by_someone_who_is_not_the_executor_is_refused(app):
    appeal = registered(app)
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    refused("appeal_not_found", run, app, "return_executor", appeal, "p-executor-2",
            reason="не моё")


def test_the_same_day_rule_across_midnight(clock, app):
    appeal = registered(app)
    clock.set(datetime(2026, 11, 17, 20, 50, tzinfo=UTC))  # 23:50 in Moscow
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    clock.set(datetime(2026, 11, 17, 21, 10, tzinfo=UTC))  # 00:10 next day in Moscow
    refusal = refused("return_too_late", run, app, "return_executor", appeal, "p-executor",
                      reason="не наш участок")
    assert "в день назначения" in str(refusal)
    workflow = app.workflow(appeal.appeal_id)
    assert workflow.late_returns == 1 and workflow.status == "assigned"  # counted, nothing else


def test_the_same_day_is_the_municipalitys_day_not_utc():
    clock = FixedClock(datetime(2026, 11, 17, 17, 30, tzinfo=UTC))  # 23:30 in Omsk (+6)
    omsk = routing_app(clock, timezone="Asia/Omsk")
    appeal = registered(omsk)
    omsk.command("assign", appeal.appeal_id, who(omsk, "p-coordinator"), executor_id="p-executor")
    clock.set(datetime(2026, 11, 17, 18, 5, tzinfo=UTC))  # same UTC day, 00:05 next day in Omsk
    refused("return_too_late", omsk.command, "return_executor", appeal.appeal_id,
            who(omsk, "p-executor"), reason="x")
    moscow_clock = FixedClock(datetime(2026, 11, 17, 17, 30, tzinfo=UTC))  # 20:30 in Moscow
    moscow = routing_app(moscow_clock)
    appeal = registered(moscow)
    moscow.command("assign", appeal.appeal_id, who(moscow, "p-coordinator"), executor_id="p-executor")
    moscow_clock.set(datetime(2026, 11, 17, 18, 5, tzinfo=UTC))  # 21:05 in Moscow: same day
    assert moscow.command("return_executor", appeal.appeal_id, who(moscow, "p-executor"),
                          reason="x").status == "returned"


def test_a_settlement_takes_or_assigns_inside_or_returns_to_the_administration(app):
    appeal = registered(app)
    run(app, "assign", appeal, "p-coordinator", subordinate_id="sp")
    refused("invalid_target", run, app, "assign", appeal, "p-subordinate_coordinator",
            executor_id="p-executor")  # not a settlement executor
    assert run(app, "return_subordinate", appeal, "p-subordinate_coordinator",
               reason="дорога районная").status == "returned"
    run(app, "assign", appeal, "p-coordinator", subordinate_id="sp")
    run(app, "assign", appeal, "p-subordinate_coordinator", executor_id="p-sp-exec")
    run(app, "draft", appeal, "p-sp-exec", text="Сделаем")
    run(app, "send_for_approval", appeal, "p-sp-exec")
    assert app.workflow(appeal.appeal_id).approver_id == "p-sp-head"  # the settlement's approver


def test_a_dispute_blocks_everything_until_the_mcu_head_decides(app):
    appeal = registered(app)
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    run(app, "dispute", appeal, "p-executor", argument="это вопрос поселения")
    refused("dispute_open", run, app, "assign", appeal, "p-coordinator", executor_id="p-executor-2")
    refused("forbidden_role", run, app, "resolve_dispute", appeal, "p-coordinator",
            recipient_id="sp", decision="x")
    workflow = run(app, "resolve_dispute", appeal, "p-mcu_head", recipient_id="other",
                   decision="вопрос образования")
    assert (workflow.status, workflow.recipient_id) == ("routed", "other")
    assert published(app, appeal)[-2:] == ["DisputeResolved", "AppealRouted"]


def test_postponement_transfer_and_leaving_without_answer(app, clock):
    first, second, third = registered(app), registered(app), registered(app)
    refused("invalid_date", run, app, "postpone", first, "p-coordinator", reason="сезон",
            until=date(2026, 11, 1))
    assert run(app, "postpone", first, "p-coordinator", reason="асфальт весной",
               until=date(2027, 4, 15)).status == "postponed"
    assert run(app, "transfer", second, "p-coordinator", authority="ГКУ «Ростовавтодор»",
               reason="дорога региональная").status == "transferred"
    assert run(app, "leave_without_answer", third, "p-mcu_head",
               legal_ground="ч. 4 ст. 11 59-ФЗ").status == "closed"
    assert published(app, second)[-2:] == ["AppealTransferred", "AppealClosed"]


def test_bad_targets_are_refused(app):
    appeal = registered(app)
    refused("invalid_target", run, app, "assign", appeal, "p-coordinator")
    refused("invalid_target", run, app, "assign", appeal, "p-coordinator", executor_id="p-sp-exec")
    refused("unknown_recipient", run, app, "reroute", appeal, "p-coordinator",
            recipient_id="nowhere", reason="x")
    refused("appeal_not_found", app.command, "assign", __import__("uuid").uuid4(),
            who(app, "p-coordinator"), executor_id="p-executor")


def test_the_queue_shows_each_person_what_waits_for_them(app):
    appeal = registered(app)
    assert [i.appeal_id for i in app.queue(who(app, "p-coordinator"))] == [appeal.appeal_id]
    assert app.queue(who(app, "p-executor")) == []
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    assert [i.status for i in app.queue(who(app, "p-executor"))] == ["assigned"]
    assert app.queue(who(app, "p-coordinator")) == []
    assert app.queue(who(app, "p-other-coord")) == []


def test_the_history_is_the_whole_story_for_auditors(app):
    appeal = registered(app)
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    history = app.history(appeal.appeal_id, who(app, "p-auditor"))
    assert [h["event_type"] for h in history["history"]] == ["AppealRouted", "AppealAssigned"]
    assert history["history"][0]["payload"]["reason"].startswith("автоправило «all-to-dep»")
    refused("appeal_not_found", app.history, appeal.appeal_id, who(app, "p-other-coord"))


def test_time_of_commands_comes_from_the_clock(app, clock):
    appeal = registered(app)
    clock.advance(timedelta(days=3))
    run(app, "assign", appeal, "p-coordinator", executor_id="p-executor")
    assert app.workflow(appeal.appeal_id).assigned_at == clock.now()


def test_an_appeal_that_waits_for_nobody_leaves_the_queue_index(app):
    appeals = [registered(app) for _ in range(3)]
    assert app.queued() == 3
    run(app, "postpone", appeals[0], "p-coordinator", reason="сезонные работы",
        until=__import__("datetime").date(2027, 5, 1))
    run(app, "transfer", appeals[1], "p-coordinator", authority="ГИБДД", reason="не наше")
    assert app.queued() == 1  # postponed and transferred wait for nobody: out of memory
    assert [i.appeal_id for i in app.queue(who(app, "p-coordinator"))] == [appeals[2].appeal_id]
    run(app, "assign", appeals[2], "p-coordinator", executor_id="p-executor")
    assert app.queue(who(app, "p-coordinator")) == []
    assert [i.status for i in app.queue(who(app, "p-executor"))] == ["assigned"]
    assert app.queued() == 1


def test_a_coordinator_reclassifies_and_scope_and_queue_follow(app):
    appeal = registered(app, block="Дороги", topic="Ямы во дворах")
    curator = who(app, "p-block_curator")  # curator of «ЖКХ», not of «Дороги»
    refused("appeal_not_found", app.history, appeal.appeal_id, curator)
    workflow = run(app, "reclassify", appeal, "p-coordinator", topic="Вывоз мусора",
                   thematic_block="ЖКХ", reason="речь о контейнерной площадке")
    assert workflow.facts["topic"] == "Вывоз мусора" and workflow.facts["thematic_block"] == "ЖКХ"
    assert app.history(appeal.appeal_id, curator)["status"] == "routed"  # now in their block
    assert [i.topic for i in app.queue(who(app, "p-coordinator"))] == ["Вывоз мусора"]
    event = [h for h in app.history(appeal.appeal_id, curator)["history"]
             if h["event_type"] == "AppealClassified"][0]["payload"]
    assert event["classification"]["method"] == "manual"
    assert event["classification"]["territory"] == "г. Константиновск"  # not given: kept
    assert event["previous"]["topic"] == "Ямы во дворах"  # as registered
    assert published(app, appeal) == ["AppealRouted", "AppealClassified"]


def test_reclassification_refusals_change_nothing(app):
    appeal = registered(app, topic="Ямы во дворах")
    refused("nothing_changed", run, app, "reclassify", appeal, "p-coordinator", topic="Ямы во дворах",
            reason="то же")
    refused("unknown_block", run, app, "reclassify", appeal, "p-coordinator", thematic_block="Нет такого",
            reason="x")
    refused("forbidden_role", run, app, "reclassify", appeal, "p-executor", topic="Свалки", reason="x")
    run(app, "transfer", appeal, "p-coordinator", authority="ГИБДД", reason="не наше")
    refused("appeal_closed", run, app, "reclassify", appeal, "p-coordinator", topic="Свалки", reason="x")
    assert published(app, appeal) == ["AppealRouted", "AppealTransferred", "AppealClosed"]


def test_a_coordinator_marks_a_repeat_of_an_earlier_appeal_within_reach(app):
    earlier, later = registered(app), registered(app)
    run(app, "mark_repeat", later, "p-coordinator", repeat_of=earlier.appeal_id,
        reason="тот же двор, та же яма")
    assert app.workflow(later.appeal_id).repeat_of == earlier.appeal_id
    assert published(app, later) == ["AppealRouted", "AppealMarkedRepeat"]
    refused("nothing_changed", run, app, "mark_repeat", later, "p-coordinator", repeat_of=earlier.appeal_id,
            reason="ещё раз")
    refused("invalid_target", run, app, "mark_repeat", later, "p-coordinator", repeat_of=later.appeal_id,
            reason="x")
    missing = refused("unknown_appeal", run, app, "mark_repeat", later, "p-mcu-coord",
                      repeat_of=__import__("uuid").uuid4(), reason="x")
    # an earlier appeal out of the coordinator's reach is answered as if it did not exist
    run(app, "reroute", earlier, "p-mcu-coord", recipient_id="other", reason="не наше")
    out_of_reach = refused("unknown_appeal", run, app, "mark_repeat", later, "p-coordinator",
                           repeat_of=earlier.appeal_id, reason="x")
    assert str(out_of_reach) == str(missing)


def test_a_rating_by_the_mails_link_is_taken_as_a_pos_rating_once_the_answer_is_out(app):
    """Intake's AnswerRatingReceived (the applicant's page) becomes AppealRated; a low score
    reopens the appeal; before publication or after reopening it changes nothing."""
    from contracts import decode, encode
    from kit.unit_of_work import UnitOfWork
    from tests.support.envelopes import AppealStory

    appeal = registered(app)
    story = AppealStory(appeal.appeal_id)

    def rated(score: int) -> None:
        unit = UnitOfWork(app)
        app.react(decode(encode(story.event("AnswerRatingReceived", NOW, score=score,
                                            comment="не сделано"))), unit)
        app.save(*unit.aggregates())

    rated(2)  # nothing published yet: nothing to rate
    assert published(app, appeal) == ["AppealRouted"]
    for command, person, args in (("assign", "p-coordinator", {"executor_id": "p-executor"}),
                                  ("draft", "p-executor", {"text": "Сделано"}),
                                  ("send_for_approval", "p-executor", {}),
                                  ("approve", "p-approver", {}), ("publish", "p-approver", {})):
        run(app, command, appeal, person, **args)
    rated(2)
    rated(1)  # reopened already: a second rating changes nothing
    assert published(app, appeal)[-3:] == ["AnswerPublished", "AppealRated", "AppealReopened"]
    history = app.history(appeal.appeal_id, who(app, "p-mcu_head"))["history"]
    assert history[-2]["actor"]["role"] == "applicant" and history[-2]["payload"]["score"] == 2
