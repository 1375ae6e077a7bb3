"""Use cases of the intake service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from contracts import Actor, Envelope
from contracts.events.registration import AppealRegistered, Classification, CoarseLocation
from contracts.events import deadlines as dl
from contracts.events import routing as rt
from contracts.events import workflow as wf
from contracts.events.delivery import AnswerDelivered, AnswerRatingReceived, AppealNumbered
from contracts.vocabulary import Channel, DeadlineStage, Kind, Notice, Role
from kit.clock import Clock, SystemClock
from kit.deployment import Deployment
from kit.unit_of_work import UnitOfWork
from kit.privacy import Redactor
from kit.stores import ServiceApplication
from kit.validation import field_errors
from services.intake.classification.registration import RegistrationClassifier
from services.intake.domain.appeal import IntakeAppeal, appeal_id_for
from services.intake.domain.commands import RegisterAppeal
from services.intake.domain import rating_link
from services.intake.domain.delivery_queue import FailedDeliveries, queue_id
from services.intake.domain import delivery, letter, registers
from services.intake.domain.delivery import ANSWER, delivers, salutation
from services.intake.domain.delivery_tasks import CALL, PRINT, DeliveryTasks, task_key, tasks_id
from services.intake.domain.notices import NoticeTemplates
from services.intake.domain.registers import INCOMING, OUTGOING, Register, register_id
from services.intake.adapters import letter_pdf
from services.intake.adapters import notice_templates as notice_templates_file
from services.intake.domain.location import coarse
from services.intake.domain.open311_days import Open311Day, day_key, days_between
from services.intake.domain.repeats import RepeatIndex, repeat_key
from services.intake.adapters.vault import Applicant, PersonalDataVault


log = logging.getLogger("mcu.intake")
OPEN311_ACTOR = Actor.system("intake/open311")  # the answer put where GeoReport clients read it


def _utc_day(moment: datetime):
    return moment.astimezone(UTC).date()


@dataclass(frozen=True)
class Registration:
    appeal_id: UUID
    duplicate: bool
    repeat_of: UUID | None = None


class NotWaiting(Exception):
    """The appeal's answer is not in this operator's list (posted or called already,
    superseded, never there)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class RegistrationRefused(ValueError):
    """This item cannot be registered as it is (the fields and reasons say why); the other
    items of its batch are registered all the same."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['field']}: {e['reason']}" for e in errors))
        self.errors = errors


# what names the municipality in each channel's items (the others: the form, the operator)
CHANNEL_ADDRESSEE = {Channel.POS: "pos", Channel.INCIDENT: "incident", Channel.EMAIL: "email",
                     Channel.OPEN311: "open311"}
ADDRESSEE_RU = {Channel.POS: "в сообщении ПОС нет организации-получателя (organization_id)",
                Channel.INCIDENT: "в строке выгрузки пуста колонка «Муниципалитет»",
                Channel.EMAIL: "у письма нет адресата (To)",
                Channel.OPEN311: "в запросе Open311 нет jurisdiction_id"}

MAX_SUBJECT = AppealRegistered.model_fields["subject"].metadata[0].max_length


@dataclass(frozen=True)
class _Draft:
    """What a new appeal will say, before its repeat index is consulted."""

    kind: Kind
    received_at: datetime
    subject: str | None
    text: str
    applicant_id: UUID | None
    classification: Classification
    repeat_key: UUID | None
    municipality: str


class IntakeApplication(ServiceApplication):
    name = "intake"

    def __init__(self, env: dict | None = None, clock: Clock | None = None,
                 vault: PersonalDataVault | None = None,
                 repeat_window: timedelta = timedelta(days=30), *,
                 classifier: RegistrationClassifier, redactor: Redactor,
                 deployment: Deployment, notice_templates: NoticeTemplates | None = None):
        super().__init__(env)
        self.notice_templates = notice_templates or notice_templates_file.shipped()
        self.deployment = deployment
        self.redactor = redactor
        self.clock = clock or SystemClock()
        self.classifier = classifier
        self.vault = vault
        self.repeat_window = repeat_window

    def register(self, command: RegisterAppeal) -> Registration:
        """Durably register; a repeated delivery of the same item changes nothing."""
        result = self.register_many([command])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def register_many(self, commands: list[RegisterAppeal]
                      ) -> list[Registration | Exception]:
        """Register a batch in ONE store transaction (group commit); results in order.
        An item that cannot be registered gets its own refusal (RegistrationRefused, or
        the error that stopped it) in its place and changes nothing; the others go on.

        Each step asks its store once for the whole batch: which items are stored already,
        the applicants' pseudonyms and records (one short vault transaction, committed
        before any event names them), which repeat indexes exist."""
        places = [self._place(c) for c in commands]
        ids = [appeal_id_for(c.channel, c.external_id, self._id_scope(m))
               for c, m in zip(commands, places, strict=True)]
        stored = self.stored_originators(set(ids))
        fresh: dict[UUID, RegisterAppeal] = {}
        where: dict[UUID, str | Exception] = {}
        for appeal_id, command, place in zip(ids, commands, places, strict=True):
            if appeal_id not in stored and appeal_id not in fresh:  # a second copy: duplicate
                fresh[appeal_id], where[appeal_id] = command, place
        failed: dict[UUID, Exception] = {}
        addressed = self._each(where, failed, _the_place)
        texts = self._each({a: fresh[a] for a in addressed}, failed,
                           lambda a, c: self._text(c))
        applicants = self._keep_personal_data({a: fresh[a] for a in texts}, texts)
        drafts = self._each(texts, failed, lambda a, text: self._draft(
            fresh[a], text, applicants.get(a), addressed[a]))
        indexes = self._repeat_indexes({d.repeat_key for d in drafts.values()} - {None})
        new = self._each(drafts, failed, lambda a, d: self._open(a, fresh[a], d, indexes))
        if new:
            days = self._open311_days([(fresh[a], drafts[a]) for a in new
                                       if fresh[a].channel is Channel.OPEN311])
            self.save(*new.values(), *indexes.values(), *days)
        results: list[Registration | Exception] = []
        answered: set[UUID] = set()
        for appeal_id in ids:
            if appeal_id in failed:
                results.append(failed[appeal_id])
            elif appeal_id in new:  # the first copy in the batch is new, a second a duplicate
                results.append(Registration(appeal_id, appeal_id in answered,
                                            new[appeal_id].repeat_of))
                answered.add(appeal_id)
            else:
                existing: IntakeAppeal = self.repository.get(appeal_id)
                results.append(Registration(appeal_id, True, existing.repeat_of))
        return results

    @staticmethod
    def _each(items: dict, failed: dict[UUID, Exception], step) -> dict:
        """`step` on each item; one that fails is set aside with its error, not the batch."""
        done = {}
        for appeal_id, item in items.items():
            try:
                done[appeal_id] = step(appeal_id, item)
            except ValidationError as exc:
                failed[appeal_id] = RegistrationRefused(field_errors(exc.errors()))
            except RegistrationRefused as exc:
                failed[appeal_id] = exc
            except Exception as exc:  # noqa: BLE001 - a fault with one item is that item's
                log.exception("registration of one item failed")
                failed[appeal_id] = exc
        return done

    def _place(self, command: RegisterAppeal) -> str | Exception:
        """The item's municipality, or why it has none (the item's refusal)."""
        try:
            return self._municipality(command)
        except RegistrationRefused as refused:
            return refused

    def _id_scope(self, place: str | Exception) -> str | None:
        """The municipality that is part of an appeal's id (none for the legacy one, whose
        ids predate tenancy). An item that names no municipality gets an id nothing is
        stored under, so it is refused, never taken for a stored appeal."""
        if isinstance(place, Exception):
            return "?"
        return None if place == self.deployment.legacy_municipality else place

    def _municipality(self, command: RegisterAppeal) -> str:
        """The municipality the item is addressed to: named by the form or the operator,
        else found by what its channel calls the addressee; never guessed (refused)."""
        d = self.deployment
        if command.municipality:
            if command.municipality in d.municipalities:
                return command.municipality
            raise RegistrationRefused([{
                "field": "municipality", "type": "unknown_municipality",
                "reason": f"муниципалитета «{command.municipality}» нет в развёртывании"}])
        channel = CHANNEL_ADDRESSEE.get(command.channel)
        found = d.by_channel(channel, command.addressed_to) if channel else None
        if found is not None:
            return found
        if d.single is not None:
            return d.single.id
        what = (f"«{command.addressed_to}» не относится ни к одному муниципалитету "
                "развёртывания") if command.addressed_to else (
            "не указан муниципалитет: " + ADDRESSEE_RU.get(command.channel, "укажите municipality"))
        raise RegistrationRefused([{"field": "municipality" if not command.addressed_to
                                    else "addressed_to", "type": "unknown_municipality",
                                    "reason": what}])

    def _text(self, command: RegisterAppeal) -> tuple[str | None, str]:
        """Subject and text with personal data masked, checked again: masking may
        lengthen them (before the vault keeps anything of the person)."""
        subject = command.subject and self.redactor.redact(command.subject)
        if subject and len(subject) > MAX_SUBJECT:
            raise RegistrationRefused([{
                "field": "subject", "type": "string_too_long",
                "reason": f"после скрытия персональных данных тема длиннее {MAX_SUBJECT}"
                          " символов: сократите её"}])
        return subject, self.redactor.redact(command.text)

    def _keep_personal_data(self, commands: dict[UUID, RegisterAppeal],
                            masked: dict[UUID, tuple[str | None, str]]) -> dict[UUID, UUID]:
        """The applicant's pseudonym per appeal: their data, and the wording of subject
        and text where masking changed it, go to the vault, never further."""
        people, identified = {}, set()
        for appeal_id, command in commands.items():
            person = command.applicant.model_dump() if command.applicant else {}
            subject, text = masked[appeal_id]
            originals = {"original_subject": command.subject if subject != command.subject
                         else None, "original_text": command.text if text != command.text
                         else None}
            record = Applicant(**person, **originals)
            if not record.is_empty():
                people[appeal_id] = record
                if any(person.values()):
                    identified.add(appeal_id)
        if not people or self.vault is None:
            return {}
        kept = self.vault.keep(people)
        return {a: pseudonym for a, pseudonym in kept.items() if a in identified}

    def _draft(self, command: RegisterAppeal, masked: tuple[str | None, str],
               applicant_id: UUID | None, municipality: str) -> _Draft:
        kind = Kind.OFFICIAL if command.federal_law_59 else command.kind
        subject, text = masked
        classification = self.classifier.classify(kind, text, subject, command.topic,
                                                  command.territory)
        key = None
        if applicant_id is not None and classification.topic:
            key = repeat_key(applicant_id, classification.topic,
                             classification.territory or "",
                             None if municipality == self.deployment.legacy_municipality
                             else municipality)
        return _Draft(kind, command.received_at or self.clock.now(), subject, text,
                      applicant_id, classification, key, municipality)

    def _open311_days(self, requests: list[tuple[RegisterAppeal, _Draft]]) -> list[Open311Day]:
        """The day indexes of the batch's Open311 requests, each request added to its day
        (a day seen first is started)."""
        if not requests:
            return []
        days: dict[UUID, Open311Day] = self.load_many(
            {day_key(_utc_day(d.received_at)) for _, d in requests})
        for command, draft in requests:
            day, at = _utc_day(draft.received_at), draft.received_at.isoformat()
            index = days.get(day_key(day))
            if index is None:
                days[day_key(day)] = Open311Day(day.isoformat(), command.external_id, at)
            else:
                index.add(command.external_id, at)
        return list(days.values())

    def appeal(self, channel: Channel, external_id: str) -> IntakeAppeal | None:
        """The appeal a channel's item became, if it did, whichever municipality it went to
        (one query for all of them; a store failure propagates)."""
        ids = {appeal_id_for(channel, external_id, self._id_scope(m))
               for m in self.deployment.municipalities}
        found = self.load_many(ids)
        return next(iter(found.values()), None)

    def open311_requests(self, start: datetime, end: datetime) -> list[str]:
        """Open311 request ids made in [start, end], newest first."""
        keys = {day_key(d): d for d in days_between(start, end)}
        found = []
        for day in self.load_many(set(keys)).values():
            found += [(at, rid) for rid, at in day.requests
                      if start <= datetime.fromisoformat(at) <= end]
        return [rid for _, rid in sorted(found, reverse=True)]

    def _repeat_indexes(self, keys: set[UUID]) -> dict[UUID, RepeatIndex]:
        """The stored repeat indexes of the batch's (applicant, topic, place), shared by it;
        `_open` starts the missing ones."""
        return self.load_many(keys)

    def _open(self, appeal_id: UUID, command: RegisterAppeal, draft: _Draft,
              indexes: dict[UUID, RepeatIndex]) -> IntakeAppeal:
        """The new appeal, marked a repeat when its index says so; the appeal joins its
        index, which starts here (in `indexes`, for the batch's next appeals) if new."""
        key = draft.repeat_key
        index = indexes.get(key) if key else None
        repeat_of = index.earlier_within(draft.received_at, self.repeat_window) if index else None
        classification = draft.classification
        payload = AppealRegistered(
            channel=command.channel, external_id=command.external_id, kind=draft.kind,
            received_at=draft.received_at, subject=draft.subject, text=draft.text,
            applicant_id=draft.applicant_id,
            location=CoarseLocation(territory=command.territory or classification.territory,
                                    latitude=coarse(command.latitude),
                                    longitude=coarse(command.longitude)),
            applicant_topic=command.topic, attachments=command.attachments,
            federal_law_59=command.federal_law_59, repeat_of=repeat_of,
            classification=classification,
        )
        appeal = IntakeAppeal.open(appeal_id, payload,
                                   Actor.system(f"intake/{command.channel.value}"),
                                   municipality=draft.municipality)
        if index is not None:
            index.add(str(appeal_id), draft.received_at.isoformat())
        elif key is not None:
            indexes[key] = RepeatIndex(key, str(appeal_id), draft.received_at.isoformat())
        if draft.kind is Kind.OFFICIAL:  # 59-ФЗ: numbered, and the applicant told so
            appeal.remember({"notice_due": {"notice": Notice.REGISTRATION.value}},
                            at=draft.received_at)
        return appeal

    # -- the log tells intake how its appeals go on (for Open311's answers) ---------------
    # -- the operator's queue of answers and notices that could not be delivered ---------
    def failed_queue(self, municipality: str) -> FailedDeliveries:
        try:
            return self.repository.get(queue_id(municipality))
        except AggregateNotFoundError:
            return FailedDeliveries(municipality)

    def failed_deliveries(self, municipalities: frozenset[str]) -> list[dict]:
        """What waits for an operator in these municipalities, oldest first."""
        found = [{"what": ANSWER, **item, "municipality": m} for m in sorted(municipalities)
                 for item in self.failed_queue(m).items.values()]
        return sorted(found, key=lambda item: item["at"])

    def _in_reach(self, appeal_id: UUID, municipalities: frozenset[str]
                  ) -> tuple[IntakeAppeal, str] | None:
        """The appeal and its municipality, if within reach (another's is answered as
        missing, exactly like one that does not exist)."""
        try:
            appeal: IntakeAppeal = self.repository.get(appeal_id)
        except AggregateNotFoundError:
            return None
        municipality = self.deployment.municipality(appeal.municipality).id
        return (appeal, municipality) if municipality in municipalities else None

    def _failed_item(self, appeal_id: UUID, municipalities: frozenset[str], what: str):
        found = self._in_reach(appeal_id, municipalities)
        if found is None:
            return None
        appeal, municipality = found
        queue = self.failed_queue(municipality)
        item = queue.items.get(task_key(str(appeal_id), what))
        if item is None:
            raise NotWaiting("failed")
        return appeal, queue, item

    def retry_delivery(self, appeal_id: UUID, municipalities: frozenset[str],
                       what: str = ANSWER) -> bool | None:
        """Send it again (the operator found the cause: a new address in the vault, the
        mail server mended). None: no such appeal within reach; NotWaiting: it does not
        wait in the queue."""
        found = self._failed_item(appeal_id, municipalities, what)
        if found is None:
            return None
        appeal, queue, item = found
        due = ({"delivery_due": {"draft_id": item["draft_id"], "channel": item["channel"]}}
               if what == ANSWER else {"notice_due": {**appeal.pieces[what], "notice": what}})
        appeal.remember(due, at=self.clock.now())
        queue.remove(task_key(str(appeal_id), what))
        self.save(appeal, queue)
        return True

    def delivered_otherwise(self, appeal_id: UUID, municipalities: frozenset[str], how: str,
                            by: Actor, what: str = ANSWER) -> bool | None:
        """The operator got a failed answer or notice to the applicant another way (entered
        it in ПОС by hand, handed it over in person): delivered, `how` (masked) its
        reference. None: no such appeal within reach; NotWaiting: not in the queue."""
        found = self._failed_item(appeal_id, municipalities, what)
        if found is None:
            return None
        appeal, queue, item = found
        said = self.redactor.redact(" ".join(how.split()))[:300]
        appeal.record(delivery.delivered(what, item["draft_id"], Channel(item["channel"]),
                                         f"отмечено оператором: {said}",
                                         appeal.pieces[what]["attempt"] + 1),
                      by, at=self.clock.now())
        queue.remove(task_key(str(appeal_id), what))
        self.save(appeal, queue)
        return True

    # -- answers and notices an operator delivers by hand: letters to post, calls ----------
    def tasks(self, municipality: str, kind: str) -> DeliveryTasks:
        try:
            return self.repository.get(tasks_id(municipality, kind))
        except AggregateNotFoundError:
            return DeliveryTasks(municipality, kind)

    def delivery_tasks(self, kind: str, municipalities: frozenset[str]) -> list[dict]:
        """What waits for an operator's hand in these municipalities, oldest first."""
        found = [{"what": ANSWER, **item, "municipality": m} for m in sorted(municipalities)
                 for item in self.tasks(m, kind).items.values()]
        return sorted(found, key=lambda item: item["at"])

    def _task(self, appeal_id: UUID, kind: str, municipalities: frozenset[str], what: str
              ) -> tuple[IntakeAppeal, DeliveryTasks, dict] | None:
        """The appeal, its municipality's list and its item there; None: no such appeal
        within reach; NotWaiting: it is not in this list."""
        found = self._in_reach(appeal_id, municipalities)
        if found is None:
            return None
        appeal, municipality = found
        tasks = self.tasks(municipality, kind)
        item = tasks.items.get(task_key(str(appeal_id), what))
        if item is None or not appeal.with_operator(what, item.get("draft_id")):
            raise NotWaiting(kind)
        return appeal, tasks, item

    def _register(self, municipality: str, book: str) -> Register:
        year = self.clock.now().astimezone(
            ZoneInfo(self.deployment.municipality(municipality).timezone)).year
        try:
            return self.repository.get(register_id(municipality, year, book))
        except AggregateNotFoundError:
            return Register(municipality, year, book)

    def _today(self, appeal: IntakeAppeal) -> date:
        zone = ZoneInfo(self.deployment.municipality(appeal.municipality).timezone)
        return self.clock.now().astimezone(zone).date()

    def take_number(self, appeal: IntakeAppeal, what: str = ANSWER,
                    draft_id: str | None = None) -> Register | None:
        """Give this letter (an official answer, a notice) the next outgoing number of its
        municipality's register (kept on the appeal: every later attempt prints the same);
        the register to save with the appeal, None if it had its number already."""
        if appeal.numbered(what, draft_id):
            return None
        register = self._register(appeal.municipality, OUTGOING)
        register.take(str(appeal.id))
        appeal.remember({"outgoing": {
            "what": what, "dated": self._today(appeal).isoformat(),
            "number": registers.number(OUTGOING, register.last, register.year)}},
            at=self.clock.now())
        return register

    def take_registration_number(self, appeal: IntakeAppeal, actor: Actor) -> Register | None:
        """An official appeal's number in its municipality's register of incoming appeals
        (AppealNumbered, on the log); None if it has one."""
        if appeal.registration is not None:
            return None
        register = self._register(appeal.municipality, INCOMING)
        register.take(str(appeal.id))
        appeal.record(AppealNumbered(
            registration_number=registers.number(INCOMING, register.last, register.year),
            registered_on=self._today(appeal)), actor, at=self.clock.now())
        return register

    def notice_values(self, appeal: IntakeAppeal, what: str) -> dict[str, str]:
        """What a notice's template may say of this appeal (notices.PLACEHOLDERS)."""
        municipality = self.deployment.municipality(appeal.municipality)
        zone = ZoneInfo(municipality.timezone)
        piece, numbered = appeal.pieces.get(what, {}), appeal.registration or {}
        new_due = piece.get("new_due")
        return {"municipality": municipality.name,
                "received_on": f"{appeal.registered.received_at.astimezone(zone):%d.%m.%Y}",
                "number": numbered.get("number", "—"),
                "registered_on": _ru_date(numbered.get("registered_on")),
                "authority": piece.get("authority", ""), "reason": piece.get("reason", ""),
                "new_due": f"{datetime.fromisoformat(new_due).astimezone(zone):%d.%m.%Y}"
                if new_due else ""}

    def official_letter(self, appeal: IntakeAppeal, what: str, draft_id: str | None,
                        applicant: Applicant | None, rating_url: str | None
                        ) -> letter.OfficialLetter:
        """The numbered letter: an answer on the answering body's letterhead, signed by its
        approver; a notice on the MCU's, signed by the MCU head; to the addressee in the
        vault."""
        municipality = self.deployment.municipality(appeal.municipality)
        directory, registered = municipality.directory, appeal.registered
        outgoing, person = appeal.numbered(what, draft_id), applicant or Applicant()
        if what == ANSWER:
            due = appeal.delivery or {}
            head = letter.letterhead(directory, due.get("recipient_id") or "")
            body = appeal.drafts[draft_id]
            signer = letter.signer(directory, appeal.approvers.get(draft_id),
                                   due.get("executor_id"))
        else:
            head = letter.mcu_letterhead(directory)
            body = self.notice_templates.fill(Notice(what), self.notice_values(appeal, what))[1]
            head_of_mcu = directory.mcu_head
            signer = letter.signer(directory, head_of_mcu.id if head_of_mcu else None)
            rating_url = None
        return letter.OfficialLetter(
            letterhead=head, number=outgoing["number"],
            dated=date.fromisoformat(outgoing["dated"]),
            addressee=letter.addressee(person.last_name, person.first_name,
                                       person.middle_name, person.address),
            salutation=salutation(person.last_name, person.first_name, person.middle_name),
            about=letter.about(registered.received_at.astimezone(
                ZoneInfo(municipality.timezone)).date(),
                person.original_subject or registered.subject) if what == ANSWER else "",
            body=body, rating_url=rating_url, signer=signer)

    def letter_pdf(self, appeal_id: UUID, municipalities: frozenset[str], reader: str,
                   rating_url: Callable[[str], str], what: str = ANSWER) -> bytes | None:
        """The letter waiting to be printed, drawn now (the addressee read from the vault,
        the read logged under the operator's id); `rating_url` makes the link of a token."""
        found = self._task(appeal_id, PRINT, municipalities, what)
        if found is None:
            return None
        appeal, _, item = found
        applicant = self.vault.read(appeal_id, reader, "печать официального ответа") \
            if self.vault else None
        token = self.rating_link(appeal_id, item["draft_id"]) if what == ANSWER else None
        return letter_pdf.render(self.official_letter(
            appeal, what, item.get("draft_id"), applicant,
            rating_url(token) if token else None))

    def record_posting(self, appeal_id: UUID, municipalities: frozenset[str], tracking: str,
                       posted_on: date, by: Actor, what: str = ANSWER) -> bool:
        """The operator handed the letter to the post: delivered, dated by the posting day
        (its date for 59-ФЗ), referenced by the tracking number; out of the print list."""
        found = self._task(appeal_id, PRINT, municipalities, what)
        if found is None:
            return False
        appeal, tasks, item = found
        number = letter.tracking_number(tracking)
        zone = ZoneInfo(self.deployment.municipality(appeal.municipality).timezone)
        now = self.clock.now()
        if not date.fromisoformat(item["at"][:10]) <= posted_on <= now.astimezone(zone).date():
            raise letter.BadPosting("дата отправки — не раньше, чем письмо ушло в печать, и "
                                    "не позже сегодняшнего дня")
        posted = datetime.combine(posted_on, time(12), tzinfo=zone)  # the day, not the hour
        appeal.record(delivery.delivered(
            what, item.get("draft_id"), Channel.LETTER,
            f"Почта России, трек-номер {number}", appeal.pieces[what]["attempt"] + 1,
            dispatched_at=min(posted, now)), by, at=now)
        tasks.remove(task_key(str(appeal_id), what))
        self.save(appeal, tasks)
        return True

    def call_number(self, appeal_id: UUID, municipalities: frozenset[str], reader: str,
                    what: str = ANSWER) -> str | None:
        """The number to call back, from the vault (the read logged under the operator's
        id); None: no such appeal within reach; '' : the vault has no number."""
        found = self._task(appeal_id, CALL, municipalities, what)
        if found is None:
            return None
        applicant = self.vault.read(appeal_id, reader, "обратный звонок заявителю") \
            if self.vault else None
        return (applicant.phone if applicant else None) or ""

    def record_call(self, appeal_id: UUID, municipalities: frozenset[str], reached: bool,
                    result: str, by: Actor, what: str = ANSWER) -> bool:
        """The operator called: reached, the answer (or notice) was read out (delivered;
        the result, masked, is its reference); not reached, the task stays, noted."""
        found = self._task(appeal_id, CALL, municipalities, what)
        if found is None:
            return False
        appeal, tasks, item = found
        said = self.redactor.redact(" ".join(result.split()))[:300]
        now, attempt = self.clock.now(), appeal.pieces[what]["attempt"] + 1
        key = task_key(str(appeal_id), what)
        if reached:
            appeal.record(delivery.delivered(what, item.get("draft_id"), Channel.PHONE,
                                             f"звонок: {said}", attempt), by, at=now)
            tasks.remove(key)
        else:
            appeal.record(delivery.failed(what, item.get("draft_id"), Channel.PHONE,
                                          f"не дозвонились: {said}", attempt, None),
                          by, at=now)
            tasks.attempted(key, now.isoformat(), said)
        self.save(appeal, tasks)
        return True

    # -- the applicant's rating of a delivered answer, by their personal link ------------
    @property
    def link_key(self) -> bytes | None:
        return self.vault.link_key("rating") if self.vault is not None else None

    def rating_link(self, appeal_id: UUID, draft_id: str) -> str | None:
        """The token of the applicant's link to rate this answer (None: no vault, no key)."""
        key = self.link_key
        return None if key is None else rating_link.make(
            appeal_id, draft_id, self.clock.now() + rating_link.LIFETIME, key)

    def rating_target(self, token: str) -> tuple[IntakeAppeal, str]:
        """The appeal and the answer (draft id) the link rates, if it may be rated now;
        LinkRefused with the applicant's reason otherwise."""
        if self.link_key is None:
            raise rating_link.LinkRefused(404, "Оценка по ссылке здесь не принимается.")
        appeal_id, draft_id = rating_link.read(token, self.link_key, self.clock.now())
        try:
            appeal: IntakeAppeal = self.repository.get(appeal_id)
        except AggregateNotFoundError:
            raise rating_link.LinkRefused(404, "Обращение по этой ссылке не найдено.") from None
        if draft_id in appeal.rated:
            raise rating_link.LinkRefused(409, "Оценка по этой ссылке уже получена. Спасибо!")
        if not appeal.rateable(draft_id):
            raise rating_link.LinkRefused(409, "По этой ссылке оценить ответ уже нельзя: по "
                                               "обращению подготовлен новый ответ.")
        return appeal, draft_id

    def rate_by_link(self, token: str, score: int, comment: str | None) -> IntakeAppeal:
        """Record the applicant's score (and masked comment) once; routing reads it from
        the log as it reads a ПОС rating (AppealRated; a low score reopens the appeal)."""
        appeal, draft_id = self.rating_target(token)
        text = self.redactor.redact(comment.strip()) if comment and comment.strip() else None
        appeal.record(AnswerRatingReceived(draft_id=draft_id, channel=appeal.channel,
                                           score=score, comment=text),
                      Actor(id="intake/rating-page", role=Role.APPLICANT),
                      at=self.clock.now())
        try:
            self.save(appeal)
        except IntegrityError:  # the same link sent twice at once: the other was first
            raise rating_link.LinkRefused(409, "Оценка по этой ссылке уже получена. "
                                               "Спасибо!") from None
        return appeal

    def react(self, envelope: Envelope, unit: UnitOfWork) -> None:
        p = envelope.payload
        facts = self._what_open311_shows(envelope) or {}
        if isinstance(p, wf.AnswerDrafted):  # kept for the answer's delivery
            facts = {"draft": {"id": p.draft_id, "text": p.text}}
        if isinstance(p, wf.AnswerApproved):  # who signs an official answer
            facts = {"approved": {"draft_id": p.draft_id, "approver_id": p.approver_id}}
        if isinstance(p, rt.AppealClassified):  # the coordinator may find it official
            facts = {"kind": p.classification.kind.value}
        if not facts and not isinstance(p, NOTICE_CALLS):
            return
        appeal: IntakeAppeal | None = unit.get(envelope.appeal_id)
        if appeal is None:
            return
        notice = notice_called_for(appeal, p, facts.get("kind"))
        if notice is not None:
            facts["notice_due"] = notice
        published = isinstance(p, wf.AnswerPublished) and p.draft_id in appeal.drafts
        if published and delivers(appeal.channel):
            facts["delivery_due"] = {"draft_id": p.draft_id, "channel": appeal.channel.value,
                                     "recipient_id": p.recipient_id,
                                     "executor_id": p.executor_id}
        on_open311 = published and appeal.channel is Channel.OPEN311
        if on_open311:  # GeoReport's way back to the applicant is the request itself
            facts["status_notes"] = appeal.drafts[p.draft_id]
        if facts.keys() & {"status", "draft", "approved", "notice_due"} \
                or appeal.channel is Channel.OPEN311 \
                or facts.get("kind", appeal.kind.value) != appeal.kind.value:
            appeal.remember(facts, at=envelope.occurred_at)
        if on_open311:
            appeal.record(AnswerDelivered(draft_id=p.draft_id, channel=Channel.OPEN311,
                                          reference="GeoReport v2: status_notes", attempt=1),
                          OPEN311_ACTOR, cause=envelope, at=envelope.occurred_at)

    @staticmethod
    def _what_open311_shows(envelope: Envelope) -> dict | None:
        """Status for every appeal; who answers and by when for Open311's (its
        `agency_responsible` and `expected_datetime`)."""
        match envelope.payload:
            case wf.AnswerPublished():
                return {"status": "open", "status_notes": "ответ направлен заявителю"}
            case wf.AppealClosed():
                return {"status": "closed", "status_notes": "обращение закрыто"}
            case rt.AppealTransferred():
                return {"status": "closed", "status_notes": "передано в другой орган"}
            case wf.AppealReopened():
                return {"status": "open", "status_notes": "обращение переоткрыто"}
            case rt.AppealRouted(recipient_id=recipient):
                return {"agency": recipient}
            case rt.DisputeResolved(decided_recipient_id=recipient):
                return {"agency": recipient}
            case dl.DeadlineSet() | dl.DeadlineExtended() if (
                    envelope.payload.stage is DeadlineStage.ANSWER):
                return {"expected_at": envelope.payload.due_at.isoformat()}
        return None


NOTICE_CALLS = (rt.AppealTransferred, dl.DeadlineExtended)  # besides a reclassification


def notice_called_for(appeal: IntakeAppeal, p, new_kind: str | None) -> dict | None:
    """The 59-ФЗ notice this event calls for, if the appeal is official: registration for
    one found official only now, forwarding (art. 8) for a transfer, extension (art. 12)
    for an answer's term extended."""
    official = (new_kind or (appeal.kind.value if appeal.kind else "")) == Kind.OFFICIAL.value
    if not official:
        return None
    if new_kind and appeal.kind is not Kind.OFFICIAL and Notice.REGISTRATION not in appeal.pieces:
        return {"notice": Notice.REGISTRATION.value}
    if isinstance(p, rt.AppealTransferred):
        return {"notice": Notice.FORWARDING.value, "authority": p.authority, "reason": p.reason}
    if isinstance(p, dl.DeadlineExtended) and p.stage is DeadlineStage.ANSWER:
        return {"notice": Notice.EXTENSION.value, "new_due": p.due_at.isoformat(),
                "reason": p.reason}
    return None


def _ru_date(iso: str | None) -> str:
    return f"{date.fromisoformat(iso):%d.%m.%Y}" if iso else "—"


def _the_place(appeal_id: UUID, place: str | Exception) -> str:
    if isinstance(place, Exception):
        raise place
    return place
