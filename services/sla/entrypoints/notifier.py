"""Mails reminders, overdue notices and escalations as they are stored, at least once.

It follows the SLA store's notification log like the outbox relay follows it for Kafka:
the position is saved after the mail went out, so a crash can resend, never skip. A mail
server that is away is waited for (the follower retries the batch); a notice the server
refuses for good (no such mailbox: a 5xx answer) is logged and skipped, so one wrong
address in the directory does not hold up every notice after it.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Sequence

from eventsourcing.persistence import Notification

from contracts import typed
from kit.appeal_aggregate import AppealAggregate
from kit.directory import Directory
from kit.follower import StoreFollower
from kit.mail import Mailer
from services.sla.application import SlaApplication
from services.sla.domain.deadline import Deadline
from services.sla.domain.notices import AppealContext, Notice, notice_for

log = logging.getLogger("mcu.sla.notifier")


class Notifier(StoreFollower):
    def __init__(self, app: SlaApplication, mailer: Mailer, poll_interval: float = 0.2):
        super().__init__(app, "notifier->smtp", batch_size=200, poll_interval=poll_interval)
        self.sla = app
        self.mailer = mailer
        self.sent = 0

    async def handle(self, notifications: Sequence[Notification]) -> None:
        for notification in notifications:
            event = self.app.domain_event(notification)
            if not isinstance(event, AppealAggregate.Recorded):
                continue
            notice = await asyncio.to_thread(self._notice, event)
            if notice is not None:
                directory = self.sla.tenant(event.municipality).directory
                await asyncio.to_thread(self._send, notice,
                                        f"{event.originator_id}.{event.originator_version}",
                                        directory)

    def _notice(self, event) -> Notice | None:
        deadline: Deadline = self.sla.repository.get(event.originator_id)
        ctx = AppealContext(str(deadline.id), deadline.topic, deadline.thematic_block,
                            deadline.people.get("executor"), deadline.people.get("approver"))
        tenant = self.sla.tenant(deadline.municipality)
        head = tenant.directory.mcu_head
        return notice_for(typed(event.event_type, event.schema_version, event.payload), ctx,
                          tenant.calc.schedule.timezone, head.id if head else None)

    def _send(self, notice: Notice, seed: str, directory: Directory) -> None:
        """To the people the notice names, by the e-mail their municipality's directory
        gives (the one owner of people)."""
        people = directory.people
        known = [(p.name, p.email) for pid in notice.to if (p := people.get(pid)) and p.email]
        unknown = [pid for pid in notice.to if not (people.get(pid) and people[pid].email)]
        if unknown:
            log.warning("no e-mail for responsible person", extra={"count": len(unknown)})
        head = directory.mcu_head
        if not known and head is not None and head.email:  # nobody reachable: the MCU head is
            known = [(head.name, head.email)]
        if known:
            try:
                self.mailer.send(known, notice.subject, notice.body, seed)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                    smtplib.SMTPSenderRefused) as exc:
                code = getattr(exc, "smtp_code", 550)
                if code is not None and code < 500:
                    raise  # 4xx: the server says "later"; the batch is tried again
                log.error("notice refused by the mail server", extra={
                    "error_code": type(exc).__name__, "position": seed})
                return
            self.sent += 1
