"""SLA on real parts: the log, SQLite/PostgreSQL stores, restarts around due moments, SMTP."""

from __future__ import annotations

import email
from datetime import timedelta
from email.policy import default as default_policy

import pytest

from contracts import decode
from kit.clock import FixedClock
from kit.deployment import single
from kit.directory import load_directory
from kit.consumer import TrackedConsumer
from kit.stores import store_environment
from kit.topics import ensure_log_topics
from kit.mail import Mailer, SmtpSettings
from services.sla.application import SlaApplication
from services.sla.entrypoints.notifier import Notifier
from tests.support.logtools import consume_until, intake_app, publish_all, read_all, register
from tests.support.sla import sla_app as support_sla_app
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.kafka


def sla_app(settings, clock) -> SlaApplication:
    return support_sla_app(clock, env=store_environment("sla", settings))


def sla_consumer(app, settings) -> TrackedConsumer:
    return TrackedConsumer(app, "mcu.sla", app.react, settings.log_topic, settings.dlq_topic,
                           settings.kafka_bootstrap, 200, 100)


async def sla_events(settings) -> list:
    return [e for e in (decode(r.value) for r in
                        await read_all(settings.kafka_bootstrap, settings.log_topic))
            if e.producer == "sla"]


@pytest.fixture
async def registered(store_settings):
    """Ten appeals registered by intake and on the log; SLA has consumed them."""
    settings = store_settings
    await ensure_log_topics(settings)
    intake = intake_app(settings, single(*load_directory()))  # SLA's municipality
    appeal_ids = register(intake, 10)
    await publish_all(intake, settings)
    registered_at = intake.repository.get(appeal_ids[0]).created_on
    clock = FixedClock(registered_at)
    sla = sla_app(settings, clock)
    c = sla_consumer(sla, settings)
    await c.start()
    await consume_until(c, lambda: all(a in sla.repository for a in appeal_ids))
    await c.close()
    return settings, sla, clock, appeal_ids


async def test_registrations_on_the_log_get_deadlines_on_the_log(registered):
    settings, sla, _, appeal_ids = registered
    await publish_all(sla, settings, "sla")
    events = await sla_events(settings)
    assert sorted(e.appeal_id for e in events if e.event_type == "DeadlineSet") == sorted(appeal_ids)
    registrations = {decode(r.value).appeal_id: decode(r.value).event_id for r in
                     await read_all(settings.kafka_bootstrap, settings.log_topic)
                     if decode(r.value).producer == "intake"}
    assert all(e.causation_id == registrations[e.appeal_id] for e in events)


async def test_a_restart_after_storing_a_reminder_neither_loses_nor_doubles_it(registered):
    settings, sla, clock, appeal_ids = registered
    first_reminder = min(sla.deadline(a).timers(sla.tenant(None).calc, sla.tenant(None).policy)[0].at for a in appeal_ids)
    clock.set(first_reminder + timedelta(seconds=1))
    assert sla.fire_due() == len(appeal_ids)  # stored, then the process "dies": nothing published
    sla.close()

    restarted = sla_app(settings, clock)
    assert restarted.rebuild_timers() == len(appeal_ids)
    assert restarted.fire_due() == 0  # the store remembers they fired
    await publish_all(restarted, settings, "sla")
    reminders = [e for e in await sla_events(settings) if e.event_type == "DeadlineReminderIssued"]
    assert sorted(e.appeal_id for e in reminders) == sorted(appeal_ids)


async def test_a_restart_before_storing_a_due_timer_fires_it_after_the_restart(registered):
    settings, sla, clock, appeal_ids = registered
    due = sla.deadline(appeal_ids[0]).stages["answer"].due_at
    sla.close()  # "dies" before the due moment is processed
    clock.set(due + timedelta(minutes=5))
    restarted = sla_app(settings, clock)
    restarted.rebuild_timers()
    restarted.fire_due()
    restarted.fire_due()
    await publish_all(restarted, settings, "sla")
    events = await sla_events(settings)
    breaches = [e for e in events if e.event_type == "DeadlineBreached"]
    assert sorted(e.appeal_id for e in breaches) == sorted(appeal_ids)


@pytest.fixture
def smtp():
    with smtp_server() as found:
        yield found


async def test_reminders_overdue_and_escalations_arrive_by_mail_in_russian(registered, smtp):
    settings, sla, clock, appeal_ids = registered
    inbox, port = smtp
    due = sla.deadline(appeal_ids[0]).stages["answer"].due_at
    clock.set(due - timedelta(days=1))
    sla.fire_due()
    clock.set(due + timedelta(minutes=1))
    sla.fire_due()
    notifier = Notifier(sla, Mailer(SmtpSettings("127.0.0.1", port)))
    await notifier.start()
    while await notifier.follow_once():
        pass
    await notifier.close()
    subjects = [email.message_from_bytes(content, policy=default_policy)["Subject"]
                for _, content in inbox.messages]
    # per appeal: a reminder, overdue, escalation level 1 (nobody assigned: the MCU head)
    assert len(inbox.messages) == 3 * len(appeal_ids)
    assert sum(s.startswith("Напоминание: срок ответа истекает") for s in subjects) == 10
    assert sum(s.startswith("Просрочено") for s in subjects) == 10
    head = sla.tenant(None).directory.mcu_head  # the directory's, the one owner of people and contacts
    assert all(rcpt == [head.email] for rcpt, _ in inbox.messages)
    body = email.message_from_bytes(inbox.messages[0][1], policy=default_policy).get_content()
    assert "Что сделать" in body and str(appeal_ids[0]) in "".join(
        email.message_from_bytes(c, policy=default_policy).get_content() for _, c in inbox.messages)

    again = Notifier(sla, Mailer(SmtpSettings("127.0.0.1", port)))
    await again.start()
    assert await again.follow_once() == 0  # a clean restart mails nothing twice
    await again.close()
