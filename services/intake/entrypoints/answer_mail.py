"""Mails each published answer to the applicant who wrote by e-mail, at least once, and
records what happened on the log (AnswerDelivered, DeliveryFailed).

It follows intake's own store like the outbox relay: the position is saved after the batch
was handled, so a crash resends, never skips. A resend is the same message (its Message-ID
is the answer's: mail clients show one), and an answer already recorded as delivered is
never sent again. A mail server that is away or says «later» (4xx) is waited for: the
batch is retried with backoff, each attempt recorded with its time to retry. A refusal for
good (5xx: no such mailbox), or an applicant without an address in the vault, is recorded
without a time to retry: it waits in the operator's queue of failed deliveries.
The address is read from the vault (the read logged) and goes nowhere but into the mail.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Notification

from contracts import Actor
from contracts.events.delivery import AnswerDelivered, DeliveryFailed
from kit.appeal_aggregate import AppealAggregate
from kit.follower import StoreFollower
from kit.mail import Mailer
from kit.supervision import Backoff
from services.intake.application import IntakeApplication
from services.intake.domain import delivery
from services.intake.domain.appeal import IntakeAppeal

log = logging.getLogger("mcu.intake.answers")
ACTOR = Actor.system("intake/email-delivery")
READER, PURPOSE = "intake/email-delivery", "доставка ответа заявителю"
TRANSIENT = (smtplib.SMTPException, OSError)


class AnswerMailer(StoreFollower):
    def __init__(self, app: IntakeApplication, mailer: Mailer, domain: str = "mcu.local",
                 poll_interval: float = 0.2, public_url: str = "http://127.0.0.1:8001"):
        super().__init__(app, "answers->smtp", batch_size=100, poll_interval=poll_interval)
        self.intake = app
        self.mailer = mailer
        self.domain = domain
        self.public_url = public_url.rstrip("/")  # where the applicant's rating link opens
        self.delivered = 0

    async def handle(self, notifications: Sequence[Notification]) -> None:
        for notification in notifications:
            if not notification.topic.endswith(".Noted"):
                continue  # a registration, a revision…: not decoded (most of the store)
            event = self.app.domain_event(notification)
            if isinstance(event, AppealAggregate.Noted) and "delivery_due" in event.facts:
                await asyncio.to_thread(self.deliver, event.originator_id,
                                        event.facts["delivery_due"]["draft_id"])

    def deliver(self, appeal_id: UUID, draft_id: str) -> None:
        appeal: IntakeAppeal = self.app.repository.get(appeal_id)
        if not appeal.delivery_pending(draft_id):
            return  # delivered already (a batch handled again after a crash), or superseded
        attempt = appeal.delivery["attempt"] + 1
        applicant = self.intake.vault.read(appeal_id, READER, PURPOSE) \
            if self.intake.vault else None
        if applicant is None or not applicant.email:
            self._failed(appeal, draft_id, attempt, "у заявителя нет адреса электронной "
                         "почты в хранилище персональных данных", retry=None)
            return
        mail = self._mail(appeal, draft_id, applicant)
        name = " ".join(p for p in (applicant.last_name, applicant.first_name) if p)
        try:
            reference = self.mailer.send([(name, applicant.email)], mail.subject, mail.body,
                                         message_id=mail.message_id,
                                         in_reply_to=mail.in_reply_to)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else None
            self._failed(appeal, draft_id, attempt, f"почтовый сервер не принял адрес "
                         f"заявителя ({code})", retry=None)
            return
        except TRANSIENT as exc:
            code = getattr(exc, "smtp_code", None)
            if delivery.refusal_is_final(code):
                self._failed(appeal, draft_id, attempt, f"почтовый сервер отказал ({code})",
                             retry=None)
                return
            self._failed(appeal, draft_id, attempt, "почтовый сервер недоступен"
                         + (f" ({code})" if code else ""), retry=Backoff().delay(attempt))
            raise  # the batch is tried again: later answers wait for the same server
        appeal.record(AnswerDelivered(draft_id=draft_id, channel=appeal.channel,
                                      reference=reference, attempt=attempt), ACTOR,
                      at=self.intake.clock.now())
        self.app.save(appeal)
        self.delivered += 1

    def _mail(self, appeal: IntakeAppeal, draft_id: str, applicant) -> delivery.AnswerMail:
        registered = appeal.registered
        municipality = self.intake.deployment.municipality(appeal.municipality)
        token = self.intake.rating_link(appeal.id, draft_id)
        return delivery.answer_mail(
            rating_url=f"{self.public_url}/rate/{token}" if token else None,
            appeal_id=appeal.id, draft_id=draft_id, text=appeal.drafts[draft_id],
            municipality=municipality.name,
            received_at=registered.received_at.astimezone(ZoneInfo(municipality.timezone)),
            subject=applicant.original_subject or registered.subject,
            salutation_line=delivery.salutation(applicant.last_name, applicant.first_name,
                                                applicant.middle_name),
            replied_message_id=registered.external_id, domain=self.domain)

    def _failed(self, appeal: IntakeAppeal, draft_id: str, attempt: int, reason: str,
                retry: float | None) -> None:
        now = self.intake.clock.now()
        appeal.record(DeliveryFailed(
            draft_id=draft_id, channel=appeal.channel, reason=reason, attempt=attempt,
            retry_at=now + timedelta(seconds=retry) if retry is not None else None), ACTOR,
            at=now)
        if retry is not None:
            self.app.save(appeal)
        else:  # the operator's queue, in the same transaction
            queue = self.intake.failed_queue(
                self.intake.deployment.municipality(appeal.municipality).id)
            registered = appeal.registered
            queue.add(str(appeal.id), draft_id, appeal.channel.value, reason, now.isoformat(),
                      attempt, registered.subject or registered.text[:120],
                      registered.received_at.isoformat())
            self.app.save(appeal, queue)
        log.warning("answer not delivered", extra={
            "appeal_id": str(appeal.id), "count": attempt, "channel": appeal.channel.value,
            "error_code": "retry" if retry is not None else "operator_queue"})
