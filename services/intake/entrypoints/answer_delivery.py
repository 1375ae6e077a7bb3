"""Takes each published answer, and each notice 59-ФЗ requires (registration with its number,
forwarding, extension), to the applicant, at least once, by the way the appeal and the
vault allow (services.intake.domain.delivery.way), and records what happened on the log
(AnswerDelivered, DeliveryFailed; AppealNumbered, NoticeDelivered, NoticeFailed):

- e-mail: mailed over SMTP, threaded under the applicant's letter; an official answer
  carries its letter as a PDF;
- letter: numbered and put in the municipality's print list; the operator posts it and
  records the tracking number (delivered then);
- call: put in the municipality's call-back list; the operator calls and records it;
- ПОС, «Инцидент Менеджмент»: posted to the municipality's integration receiver.

It follows intake's own store like the outbox relay: the position is saved after the batch
was handled, so a crash acts again, never skips; an answer already delivered or handed to
an operator is never sent again, and a resend is the same message (the e-mail's
Message-ID, the receiver's Idempotency-Key are the answer's). A server that is away or
says «later» is tried again at `retry_at` from a persistent retry list, so one
municipality's receiver being down holds nobody else's answers; within a pass, the
answers for a server found away wait without being tried. A refusal for good, or an
applicant the vault gives no way to reach, waits in the operator's queue of failed
deliveries. Contacts are read from the vault (each read logged) and go nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Notification

from contracts import Actor
from contracts.vocabulary import CHANNEL_RU, Channel, Kind, Notice
from kit.appeal_aggregate import AppealAggregate
from kit.follower import StoreFollower
from kit.mail import Attachment, Mailer
from kit.settings import AnswerEndpoint
from kit.supervision import Backoff
from services.intake.adapters import letter_pdf, outbound
from services.intake.adapters.vault import Applicant
from services.intake.application import IntakeApplication
from services.intake.domain import delivery
from services.intake.domain.delivery import ANSWER, Way
from services.intake.domain.delivery_tasks import (CALL, PRINT, RETRY, DeliveryTasks,
                                                   task_key)
from services.intake.domain.appeal import IntakeAppeal

log = logging.getLogger("mcu.intake.answers")
ACTOR = Actor.system("intake/answer-delivery")
READER, PURPOSE = "intake/answer-delivery", "доставка ответа заявителю"
SMTP_AWAY = (smtplib.SMTPException, OSError)
RETRY_EVERY = 2.0  # seconds between looks at the retry lists


class Later(Exception):
    """This answer's way is away for now (`target`: which server); retried at its time."""

    def __init__(self, reason: str, target: str):
        super().__init__(reason)
        self.reason = reason
        self.target = target


class Never(Exception):
    """This answer cannot go this way (the operator's queue says why)."""


class AnswerDelivery(StoreFollower):
    def __init__(self, app: IntakeApplication, mailer: Mailer | None, *,
                 domain: str = "mcu.local", public_url: str = "http://127.0.0.1:8001",
                 endpoints: dict[str, dict[str, AnswerEndpoint]] | None = None,
                 poll_interval: float = 0.2, outbound_timeout: float = outbound.TIMEOUT):
        super().__init__(app, "answers->applicants", batch_size=100,
                         poll_interval=poll_interval)
        self.intake = app
        self.mailer = mailer
        self.domain = domain
        self.public_url = public_url.rstrip("/")  # where the applicant's rating link opens
        self.endpoints = endpoints or {}
        self.outbound_timeout = outbound_timeout
        self.delivered = 0
        self._away: set[str] = set()  # servers found away in this pass

    # -- what sets it going: a published answer, a notice due, the retry lists -----------
    async def handle(self, notifications: Sequence[Notification]) -> None:
        self._away.clear()
        for notification in notifications:
            if not notification.topic.endswith(".Noted"):
                continue  # a registration, a revision…: not decoded (most of the store)
            event = self.app.domain_event(notification)
            if not isinstance(event, AppealAggregate.Noted):
                continue
            if "delivery_due" in event.facts:
                await asyncio.to_thread(self.deliver, event.originator_id,
                                        event.facts["delivery_due"]["draft_id"])
            if "notice_due" in event.facts:
                await asyncio.to_thread(self.deliver, event.originator_id, None,
                                        event.facts["notice_due"]["notice"])

    async def run(self) -> None:
        retries = asyncio.create_task(self._retrying())
        try:
            await super().run()
        finally:
            retries.cancel()

    async def _retrying(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.sleep(RETRY_EVERY)
                await asyncio.to_thread(self.retry_due)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the store away: the next look tries again
                log.exception("retry list not read")

    def retry_due(self) -> int:
        """Deliver what is due to be tried again; how many were tried."""
        if not self.leadership.held():
            return 0
        self._away.clear()
        now, tried = self.intake.clock.now(), 0
        for municipality in self.intake.deployment.municipalities:
            retries = self.intake.tasks(municipality, RETRY)
            for key, item in sorted(retries.items.items(), key=lambda i: i[1]["at"]):
                if datetime.fromisoformat(item["at"]) > now:
                    continue
                appeal = self.app.repository.get(UUID(item["appeal_id"]))
                what = item.get("what", ANSWER)
                if appeal.pending(what, item.get("draft_id")):
                    self.deliver(appeal.id, item.get("draft_id"), what)
                    tried += 1
                else:  # superseded by a newer answer, or the operator took it
                    retries.remove(key)
                    self.app.save(retries)
        return tried

    # -- one answer or notice ------------------------------------------------------------
    def deliver(self, appeal_id: UUID, draft_id: str | None, what: str = ANSWER) -> None:
        appeal: IntakeAppeal = self.app.repository.get(appeal_id)
        if not appeal.pending(what, draft_id):
            return  # delivered or handed over already (a batch again after a crash)
        if what == Notice.REGISTRATION and appeal.registration is None:
            register = self.intake.take_registration_number(appeal, ACTOR)
            self.app.save(appeal, *([register] if register else []))  # the number, first
        attempt = appeal.pieces[what]["attempt"] + 1
        channel, kind = appeal.channel, appeal.kind
        applicant = None
        if channel not in delivery.OUTBOUND_CHANNELS:  # the vault is read only when needed
            applicant = self.intake.vault.read(appeal_id, READER, PURPOSE) \
                if self.intake.vault else None
        person = applicant or Applicant()
        way = delivery.way(channel, kind, email=bool(person.email),
                           address=bool(person.address), phone=bool(person.phone))
        try:
            match way:
                case Way.EMAIL:
                    self._mail(appeal, what, draft_id, person)
                case Way.LETTER:
                    self._hand_over(appeal, what, draft_id, PRINT)
                case Way.CALL:
                    self._hand_over(appeal, what, draft_id, CALL)
                case Way.OUTBOUND:
                    self._post(appeal, what, draft_id)
                case None:
                    raise Never("в хранилище персональных данных нет ни адреса, ни "
                                "электронной почты, ни телефона заявителя")
        except Later as away:
            self._away.add(away.target)
            self._failed(appeal, what, draft_id, attempt, away.reason,
                         delivery.channel_of(way, channel),
                         retry=Backoff(first=5.0, cap=3600.0).delay(attempt))
        except Never as never:
            self._failed(appeal, what, draft_id, attempt, str(never),
                         delivery.channel_of(way, channel), retry=None)

    def _letter_pdf(self, appeal: IntakeAppeal, what: str, draft_id: str | None,
                    person: Applicant) -> Attachment:
        """The official letter (numbered first, once) as the e-mail's attachment."""
        self._number(appeal, what, draft_id)
        number = appeal.numbered(what, draft_id)["number"]
        rating = self._rating_url(appeal, draft_id) if what == ANSWER else None
        return Attachment(f"{'Ответ' if what == ANSWER else 'Уведомление'} исх. "
                          f"{number.replace('/', '-')}.pdf",
                          letter_pdf.render(self.intake.official_letter(
                              appeal, what, draft_id, person, rating)))

    def _mail(self, appeal: IntakeAppeal, what: str, draft_id: str | None,
              person: Applicant) -> None:
        if self.mailer is None:
            raise Never("отправка почты не настроена (MCU_SMTP_HOST)")
        if "smtp" in self._away:
            raise Later("почтовый сервер недоступен", "smtp")
        official = what == ANSWER and appeal.kind is Kind.OFFICIAL
        attachments = (self._letter_pdf(appeal, what, draft_id, person),) if official else ()
        mail = self._message(appeal, what, draft_id, person)
        name = " ".join(p for p in (person.last_name, person.first_name) if p)
        try:
            reference = self.mailer.send([(name, person.email)], mail.subject, mail.body,
                                         message_id=mail.message_id,
                                         in_reply_to=mail.in_reply_to,
                                         attachments=attachments)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else None
            raise Never(f"почтовый сервер не принял адрес заявителя ({code})") from None
        except SMTP_AWAY as exc:
            code = getattr(exc, "smtp_code", None)
            if delivery.refusal_is_final(code):
                raise Never(f"почтовый сервер отказал ({code})") from None
            raise Later("почтовый сервер недоступен" + (f" ({code})" if code else ""),
                        "smtp") from None
        self._delivered(appeal, what, draft_id, Channel.EMAIL, reference)

    def _post(self, appeal: IntakeAppeal, what: str, draft_id: str | None) -> None:
        municipality = self.intake.deployment.municipality(appeal.municipality)
        channel = appeal.channel
        endpoint = self.endpoints.get(municipality.id, {}).get(channel.value)
        name = CHANNEL_RU[channel]
        if endpoint is None:
            raise Never(f"для муниципалитета не настроена отправка ответов в {name} "
                        "(MCU_ANSWER_ENDPOINTS)")
        target = f"{municipality.id}/{channel.value}"
        if target in self._away:
            raise Later(f"{name}: приёмник недоступен", target)
        body = self._outbound(appeal, what, draft_id, municipality)
        try:
            ack = outbound.send(endpoint, body, body["idempotency_key"], self.outbound_timeout)
        except outbound.Unavailable as exc:
            raise Later(f"{name}: приёмник недоступен ({exc})", target) from None
        except outbound.Refused as exc:
            raise Never(f"{name}: приёмник отказал ({exc})") from None
        self._delivered(appeal, what, draft_id, channel, ack.reference(name))

    def _outbound(self, appeal: IntakeAppeal, what: str, draft_id: str | None,
                  municipality) -> dict:
        """What the receiver gets: the answer (mcu.answer/1) or the notice (mcu.notice/1)."""
        common = {"appeal_id": appeal.id, "channel": appeal.channel,
                  "municipality": municipality.id,
                  "external_id": appeal.registered.external_id}
        if what != ANSWER:
            subject, text = self.intake.notice_templates.fill(
                Notice(what), self.intake.notice_values(appeal, what))
            return delivery.outbound_notice(
                notice=what, subject=subject, text=text,
                registration_number=(appeal.registration or {}).get("number"), **common)
        if appeal.kind is Kind.OFFICIAL:
            self._number(appeal, what, draft_id)
        directory, due = municipality.directory, appeal.delivery
        organization = directory.organizations.get(due.get("recipient_id") or "")
        signer = self.intake.official_letter(appeal, what, draft_id, None, None).signer \
            if appeal.numbered(what, draft_id) else None
        return delivery.outbound_answer(
            draft_id=draft_id, text=appeal.drafts[draft_id], published_at=appeal.updated_at,
            organization=organization.name if organization else directory.municipality,
            signer={"name": signer.name, "position": signer.position} if signer else None,
            outgoing=appeal.numbered(what, draft_id), **common)

    def _hand_over(self, appeal: IntakeAppeal, what: str, draft_id: str | None,
                   kind: str) -> None:
        """Into the operator's list: a letter numbered first (what it prints)."""
        register = self.intake.take_number(appeal, what, draft_id) if kind == PRINT else None
        municipality = self.intake.deployment.municipality(appeal.municipality)
        tasks = self.intake.tasks(municipality.id, kind)
        registered = appeal.registered
        outgoing = appeal.numbered(what, draft_id) or {}
        tasks.add(task_key(str(appeal.id), what), {
            "appeal_id": str(appeal.id), "what": what, "draft_id": draft_id,
            "at": self.intake.clock.now().isoformat(), "channel": appeal.channel.value,
            "kind": appeal.kind.value, "subject": registered.subject or registered.text[:120],
            "received_at": registered.received_at.isoformat(),
            "number": outgoing.get("number"), "dated": outgoing.get("dated")})
        appeal.remember({"handed_to_operator": {"task": kind, "what": what}},
                        at=self.intake.clock.now())
        self.app.save(*(a for a in (appeal, tasks, register) if a is not None))

    # -- what is recorded ----------------------------------------------------------------
    def _number(self, appeal: IntakeAppeal, what: str, draft_id: str | None) -> None:
        """The letter's outgoing number, taken once and saved before anything is sent (a
        resend prints the same)."""
        register = self.intake.take_number(appeal, what, draft_id)
        if register is not None:
            self.app.save(appeal, register)

    def _delivered(self, appeal: IntakeAppeal, what: str, draft_id: str | None,
                   channel: Channel, reference: str) -> None:
        appeal.record(delivery.delivered(what, draft_id, channel, reference,
                                         appeal.pieces[what]["attempt"] + 1), ACTOR,
                      at=self.intake.clock.now())
        municipality = self.intake.deployment.municipality(appeal.municipality).id
        retries = self.intake.tasks(municipality, RETRY)
        self.app.save(appeal, *self._off(retries, task_key(str(appeal.id), what)))
        self.delivered += 1

    @staticmethod
    def _off(retries: DeliveryTasks, key: str) -> list[DeliveryTasks]:
        """The retry list without this item, to save with it (nothing if it was not there)."""
        if key not in retries.items:
            return []
        retries.remove(key)
        return [retries]

    def _failed(self, appeal: IntakeAppeal, what: str, draft_id: str | None, attempt: int,
                reason: str, channel: Channel, retry: float | None) -> None:
        now = self.intake.clock.now()
        retry_at = now + timedelta(seconds=retry) if retry is not None else None
        appeal.record(delivery.failed(what, draft_id, channel, reason, attempt, retry_at),
                      ACTOR, at=now)
        municipality = self.intake.deployment.municipality(appeal.municipality).id
        retries, key = self.intake.tasks(municipality, RETRY), task_key(str(appeal.id), what)
        if retry_at is not None:
            retries.add(key, {"appeal_id": str(appeal.id), "what": what, "draft_id": draft_id,
                              "at": retry_at.isoformat()})
            self.app.save(appeal, retries)
        else:  # the operator's queue, in the same transaction
            queue = self.intake.failed_queue(municipality)
            registered = appeal.registered
            queue.add(str(appeal.id), draft_id, channel.value, reason[:500], now.isoformat(),
                      attempt, registered.subject or registered.text[:120],
                      registered.received_at.isoformat(), what=what)
            self.app.save(appeal, queue, *self._off(retries, key))
        log.warning("answer not delivered", extra={
            "appeal_id": str(appeal.id), "count": attempt, "channel": channel.value,
            "error_code": "retry" if retry is not None else "operator_queue"})

    def _rating_url(self, appeal: IntakeAppeal, draft_id: str) -> str | None:
        token = self.intake.rating_link(appeal.id, draft_id)
        return f"{self.public_url}/rate/{token}" if token else None

    def _message(self, appeal: IntakeAppeal, what: str, draft_id: str | None,
                 person: Applicant) -> delivery.AnswerMail:
        registered = appeal.registered
        municipality = self.intake.deployment.municipality(appeal.municipality)
        greeting = delivery.salutation(person.last_name, person.first_name, person.middle_name)
        if what != ANSWER:
            subject, text = self.intake.notice_templates.fill(
                Notice(what), self.intake.notice_values(appeal, what))
            return delivery.notice_mail(
                appeal_id=appeal.id, notice=what, subject=subject, text=text,
                municipality=municipality.name, salutation_line=greeting,
                replied_message_id=registered.external_id, domain=self.domain)
        outgoing = appeal.numbered(what, draft_id)
        return delivery.answer_mail(
            rating_url=self._rating_url(appeal, draft_id),
            appeal_id=appeal.id, draft_id=draft_id, text=appeal.drafts[draft_id],
            municipality=municipality.name,
            received_at=registered.received_at.astimezone(ZoneInfo(municipality.timezone)),
            subject=person.original_subject or registered.subject,
            salutation_line=greeting,
            replied_message_id=registered.external_id, domain=self.domain,
            attached_number=outgoing["number"] if outgoing else None)
