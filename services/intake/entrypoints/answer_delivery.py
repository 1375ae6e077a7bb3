"""Takes each published answer to the applicant, at least once, by the way the appeal and
the vault allow (services.intake.domain.delivery.way), and records what happened on the
log (AnswerDelivered, DeliveryFailed):

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
from contracts.events.delivery import AnswerDelivered, DeliveryFailed
from contracts.vocabulary import CHANNEL_RU, Channel, Kind
from kit.appeal_aggregate import AppealAggregate
from kit.follower import StoreFollower
from kit.mail import Attachment, Mailer
from kit.settings import AnswerEndpoint
from kit.supervision import Backoff
from services.intake.adapters import letter_pdf, outbound
from services.intake.adapters.vault import Applicant
from services.intake.application import IntakeApplication
from services.intake.domain import delivery
from services.intake.domain.delivery import Way
from services.intake.domain.delivery_tasks import CALL, PRINT, RETRY, DeliveryTasks
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

    # -- what sets it going: a published answer, and the retry lists ---------------------
    async def handle(self, notifications: Sequence[Notification]) -> None:
        self._away.clear()
        for notification in notifications:
            if not notification.topic.endswith(".Noted"):
                continue  # a registration, a revision…: not decoded (most of the store)
            event = self.app.domain_event(notification)
            if isinstance(event, AppealAggregate.Noted) and "delivery_due" in event.facts:
                await asyncio.to_thread(self.deliver, event.originator_id,
                                        event.facts["delivery_due"]["draft_id"])

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
        """Deliver the answers whose time to retry has come; how many were tried."""
        if not self.leadership.held():
            return 0
        self._away.clear()
        now, tried = self.intake.clock.now(), 0
        for municipality in self.intake.deployment.municipalities:
            retries = self.intake.tasks(municipality, RETRY)
            for item in sorted(retries.items.values(), key=lambda i: i["at"]):
                if datetime.fromisoformat(item["at"]) > now:
                    continue
                appeal = self.app.repository.get(UUID(item["appeal_id"]))
                if appeal.delivery_pending(item["draft_id"]):
                    self.deliver(appeal.id, item["draft_id"])
                    tried += 1
                else:  # superseded by a newer answer, or the operator took it
                    self.app.save(*self._off_retries(retries, appeal))
        return tried

    # -- one answer ----------------------------------------------------------------------
    def deliver(self, appeal_id: UUID, draft_id: str) -> None:
        appeal: IntakeAppeal = self.app.repository.get(appeal_id)
        if not appeal.delivery_pending(draft_id):
            return  # delivered or handed over already (a batch again after a crash)
        attempt = appeal.delivery["attempt"] + 1
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
                    self._mail(appeal, draft_id, person, attempt)
                case Way.LETTER:
                    self._hand_over(appeal, draft_id, PRINT)
                case Way.CALL:
                    self._hand_over(appeal, draft_id, CALL)
                case Way.OUTBOUND:
                    self._post(appeal, draft_id, attempt)
                case None:
                    raise Never("в хранилище персональных данных нет ни адреса, ни "
                                "электронной почты, ни телефона заявителя")
        except Later as away:
            self._away.add(away.target)
            self._failed(appeal, draft_id, attempt, away.reason, delivery.channel_of(way, channel),
                         retry=Backoff(first=5.0, cap=3600.0).delay(attempt))
        except Never as never:
            self._failed(appeal, draft_id, attempt, str(never),
                         delivery.channel_of(way, channel), retry=None)

    def _mail(self, appeal: IntakeAppeal, draft_id: str, person: Applicant,
              attempt: int) -> None:
        if self.mailer is None:
            raise Never("отправка почты не настроена (MCU_SMTP_HOST)")
        if "smtp" in self._away:
            raise Later("почтовый сервер недоступен", "smtp")
        attachments = ()
        if appeal.kind is Kind.OFFICIAL:  # the official letter, numbered, as PDF
            self._number(appeal, draft_id)
            number = appeal.numbered(draft_id)["number"]
            attachments = (Attachment(f"Ответ исх. {number.replace('/', '-')}.pdf",
                                      letter_pdf.render(self.intake.official_letter(
                                          appeal, draft_id, person, self._rating_url(
                                              appeal, draft_id)))),)
        mail = self._message(appeal, draft_id, person)
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
        self._delivered(appeal, draft_id, Channel.EMAIL, reference)

    def _post(self, appeal: IntakeAppeal, draft_id: str, attempt: int) -> None:
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
        if appeal.kind is Kind.OFFICIAL:
            self._number(appeal, draft_id)
        directory, due = municipality.directory, appeal.delivery
        organization = directory.organizations.get(due.get("recipient_id") or "")
        signer = self.intake.official_letter(appeal, draft_id, None, None).signer \
            if appeal.numbered(draft_id) else None
        answer = delivery.outbound_answer(
            appeal_id=appeal.id, draft_id=draft_id, channel=channel,
            municipality=municipality.id, external_id=appeal.registered.external_id,
            text=appeal.drafts[draft_id], published_at=appeal.updated_at,
            organization=organization.name if organization else directory.municipality,
            signer={"name": signer.name, "position": signer.position} if signer else None,
            outgoing=appeal.numbered(draft_id))
        try:
            ack = outbound.send(endpoint, answer, answer["idempotency_key"],
                                self.outbound_timeout)
        except outbound.Unavailable as exc:
            raise Later(f"{name}: приёмник недоступен ({exc})", target) from None
        except outbound.Refused as exc:
            raise Never(f"{name}: приёмник отказал ({exc})") from None
        self._delivered(appeal, draft_id, channel, ack.reference(name))

    def _hand_over(self, appeal: IntakeAppeal, draft_id: str, kind: str) -> None:
        """Into the operator's list: a letter numbered first (what it prints)."""
        register = self._number(appeal, draft_id, save=False) if kind == PRINT else None
        municipality = self.intake.deployment.municipality(appeal.municipality)
        tasks = self.intake.tasks(municipality.id, kind)
        registered, outgoing = appeal.registered, appeal.numbered(draft_id) or {}
        tasks.add(str(appeal.id), {
            "draft_id": draft_id, "at": self.intake.clock.now().isoformat(),
            "channel": appeal.channel.value, "kind": appeal.kind.value,
            "subject": registered.subject or registered.text[:120],
            "received_at": registered.received_at.isoformat(),
            "number": outgoing.get("number"), "dated": outgoing.get("dated")})
        appeal.remember({"handed_to_operator": {"task": kind}}, at=self.intake.clock.now())
        self.app.save(*(a for a in (appeal, tasks, register) if a is not None))

    # -- what is recorded ----------------------------------------------------------------
    def _number(self, appeal: IntakeAppeal, draft_id: str, save: bool = True):
        """The official answer's outgoing number, taken once and saved before anything is
        sent (a resend prints the same); `save=False`: the register, to save with more."""
        register = self.intake.take_number(appeal, draft_id)
        if register is not None and save:
            self.app.save(appeal, register)
        return register

    def _delivered(self, appeal: IntakeAppeal, draft_id: str, channel: Channel,
                   reference: str) -> None:
        appeal.record(AnswerDelivered(draft_id=draft_id, channel=channel,
                                      reference=reference[:500],
                                      attempt=appeal.delivery["attempt"] + 1), ACTOR,
                      at=self.intake.clock.now())
        municipality = self.intake.deployment.municipality(appeal.municipality).id
        self.app.save(appeal, *self._off_retries(self.intake.tasks(municipality, RETRY), appeal))
        self.delivered += 1

    @staticmethod
    def _off_retries(retries: DeliveryTasks, appeal: IntakeAppeal) -> list[DeliveryTasks]:
        """The retry list without this appeal, to save with it (nothing if it was not there)."""
        if str(appeal.id) not in retries.items:
            return []
        retries.remove(str(appeal.id))
        return [retries]

    def _failed(self, appeal: IntakeAppeal, draft_id: str, attempt: int, reason: str,
                channel: Channel, retry: float | None) -> None:
        now = self.intake.clock.now()
        retry_at = now + timedelta(seconds=retry) if retry is not None else None
        appeal.record(DeliveryFailed(draft_id=draft_id, channel=channel, reason=reason[:500],
                                     attempt=attempt, retry_at=retry_at), ACTOR, at=now)
        municipality = self.intake.deployment.municipality(appeal.municipality).id
        retries = self.intake.tasks(municipality, RETRY)
        if retry_at is not None:
            retries.add(str(appeal.id), {"draft_id": draft_id, "at": retry_at.isoformat()})
            self.app.save(appeal, retries)
        else:  # the operator's queue, in the same transaction
            queue = self.intake.failed_queue(municipality)
            registered = appeal.registered
            queue.add(str(appeal.id), draft_id, channel.value, reason[:500], now.isoformat(),
                      attempt, registered.subject or registered.text[:120],
                      registered.received_at.isoformat())
            self.app.save(appeal, queue, *self._off_retries(retries, appeal))
        log.warning("answer not delivered", extra={
            "appeal_id": str(appeal.id), "count": attempt, "channel": channel.value,
            "error_code": "retry" if retry is not None else "operator_queue"})

    def _rating_url(self, appeal: IntakeAppeal, draft_id: str) -> str | None:
        token = self.intake.rating_link(appeal.id, draft_id)
        return f"{self.public_url}/rate/{token}" if token else None

    def _message(self, appeal: IntakeAppeal, draft_id: str, person: Applicant
                 ) -> delivery.AnswerMail:
        registered = appeal.registered
        municipality = self.intake.deployment.municipality(appeal.municipality)
        outgoing = appeal.numbered(draft_id)
        return delivery.answer_mail(
            rating_url=self._rating_url(appeal, draft_id),
            appeal_id=appeal.id, draft_id=draft_id, text=appeal.drafts[draft_id],
            municipality=municipality.name,
            received_at=registered.received_at.astimezone(ZoneInfo(municipality.timezone)),
            subject=person.original_subject or registered.subject,
            salutation_line=delivery.salutation(person.last_name, person.first_name,
                                                person.middle_name),
            replied_message_id=registered.external_id, domain=self.domain,
            attached_number=outgoing["number"] if outgoing else None)
