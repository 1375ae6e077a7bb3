"""Use cases of the intake service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from contracts import Actor, Envelope
from contracts.events.registration import AppealRegistered, Classification, CoarseLocation
from contracts.events import deadlines as dl
from contracts.events import routing as rt
from contracts.events import workflow as wf
from contracts.events.delivery import AnswerDelivered, AnswerRatingReceived
from contracts.vocabulary import Channel, DeadlineStage, Kind, Role
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
from services.intake.domain.delivery import delivers_by_email
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
                 deployment: Deployment):
        super().__init__(env)
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
        return appeal

    # -- the log tells intake how its appeals go on (for Open311's answers) ---------------
    # -- the operator's queue of answers that could not be delivered -------------------
    def failed_queue(self, municipality: str) -> FailedDeliveries:
        try:
            return self.repository.get(queue_id(municipality))
        except AggregateNotFoundError:
            return FailedDeliveries(municipality)

    def failed_deliveries(self, municipalities: frozenset[str]) -> list[dict]:
        """What waits for an operator in these municipalities, oldest first."""
        found = [{**item, "municipality": m} for m in sorted(municipalities)
                 for item in self.failed_queue(m).items.values()]
        return sorted(found, key=lambda item: item["at"])

    def retry_delivery(self, appeal_id: UUID, municipalities: frozenset[str]) -> bool | None:
        """Send the answer again (the operator found the cause: a new address in the vault,
        the mail server mended). None: no such appeal in these municipalities (another's is
        answered as missing); False: its answer does not wait in the queue."""
        try:
            appeal: IntakeAppeal = self.repository.get(appeal_id)
        except AggregateNotFoundError:
            return None
        municipality = self.deployment.municipality(appeal.municipality).id
        if municipality not in municipalities:
            return None
        queue = self.failed_queue(municipality)
        item = queue.items.get(str(appeal_id))
        if item is None:
            return False
        appeal.remember({"delivery_due": {"draft_id": item["draft_id"],
                                          "channel": item["channel"]}}, at=self.clock.now())
        queue.remove(str(appeal_id))
        self.save(appeal, queue)
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
        if not facts:
            return
        appeal: IntakeAppeal | None = unit.get(envelope.appeal_id)
        if appeal is None:
            return
        published = isinstance(p, wf.AnswerPublished) and p.draft_id in appeal.drafts
        if published and delivers_by_email(appeal.channel):
            facts["delivery_due"] = {"draft_id": p.draft_id, "channel": appeal.channel.value}
        on_open311 = published and appeal.channel is Channel.OPEN311
        if on_open311:  # GeoReport's way back to the applicant is the request itself
            facts["status_notes"] = appeal.drafts[p.draft_id]
        if "status" in facts or "draft" in facts or appeal.channel is Channel.OPEN311:
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


def _the_place(appeal_id: UUID, place: str | Exception) -> str:
    if isinstance(place, Exception):
        raise place
    return place
