"""Use cases of the intake service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from contracts import Actor, Envelope
from contracts.events.registration import AppealRegistered, Classification, CoarseLocation
from contracts.vocabulary import Kind
from kit.clock import Clock, SystemClock
from kit.consumer import UnitOfWork
from kit.stores import ServiceApplication
from services.intake.classification import rubricator
from services.intake.classification.registration import RegistrationClassifier
from services.intake.domain.appeal import IntakeAppeal, appeal_id_for
from services.intake.domain.commands import RegisterAppeal
from services.intake.domain.privacy import coarse, redact
from services.intake.domain.repeats import RepeatIndex, repeat_key
from services.intake.vault import Applicant, PersonalDataVault


@dataclass(frozen=True)
class Registration:
    appeal_id: UUID
    duplicate: bool
    repeat_of: UUID | None = None


class IntakeApplication(ServiceApplication):
    name = "intake"

    def __init__(self, env: dict | None = None, clock: Clock | None = None,
                 vault: PersonalDataVault | None = None,
                 repeat_window: timedelta = timedelta(days=30),
                 classifier: RegistrationClassifier | None = None):
        super().__init__(env)
        self.clock = clock or SystemClock()
        self.classifier = classifier or RegistrationClassifier(rubricator.load())
        self.vault = vault
        self.repeat_window = repeat_window

    def register(self, command: RegisterAppeal) -> Registration:
        """Durably register; a repeated delivery of the same item changes nothing."""
        return self.register_many([command])[0]

    def register_many(self, commands: list[RegisterAppeal]) -> list[Registration]:
        """Register a batch in ONE store transaction (group commit); results in order."""
        results: list[Registration | None] = [None] * len(commands)
        new: dict[UUID, IntakeAppeal] = {}
        indexes: dict[UUID, RepeatIndex] = {}
        ids = [appeal_id_for(c.channel, c.external_id) for c in commands]
        stored = self.stored_originators(set(ids))  # one query for the batch
        for i, (command, appeal_id) in enumerate(zip(commands, ids, strict=True)):
            if appeal_id in new:  # the same item twice in one batch
                results[i] = Registration(appeal_id, True, new[appeal_id].repeat_of)
                continue
            if appeal_id in stored:
                existing: IntakeAppeal = self.repository.get(appeal_id)
                results[i] = Registration(appeal_id, True, existing.repeat_of)
                continue
            appeal = self._new_appeal(appeal_id, command, indexes)
            new[appeal_id] = appeal
            results[i] = Registration(appeal_id, False, appeal.repeat_of)
        if new:
            self.save(*new.values(), *indexes.values())
        return results  # type: ignore[return-value]

    def _new_appeal(self, appeal_id: UUID, command: RegisterAppeal,
                    indexes: dict[UUID, RepeatIndex]) -> IntakeAppeal:
        kind = Kind.OFFICIAL if command.federal_law_59 else command.kind
        received_at = command.received_at or self.clock.now()
        applicant_id = self._keep_personal_data(appeal_id, command)
        subject, text = command.subject and redact(command.subject), redact(command.text)
        classification = self.classifier.classify(kind, text, subject, command.topic,
                                                  command.territory)
        index, repeat_of = self._repeat_index(applicant_id, classification, received_at, indexes)
        payload = AppealRegistered(
            channel=command.channel, external_id=command.external_id, kind=kind,
            received_at=received_at, subject=subject, text=text, applicant_id=applicant_id,
            location=CoarseLocation(territory=command.territory or classification.territory,
                                    latitude=coarse(command.latitude),
                                    longitude=coarse(command.longitude)),
            applicant_topic=command.topic, attachments=command.attachments,
            federal_law_59=command.federal_law_59, repeat_of=repeat_of,
            classification=classification,
        )
        appeal = IntakeAppeal.open(appeal_id, "AppealRegistered", payload,
                                   Actor.system(f"intake/{command.channel.value}"))
        if index is not None:
            index.add(str(appeal_id), received_at.isoformat())
        return appeal

    def _keep_personal_data(self, appeal_id: UUID, command: RegisterAppeal) -> UUID | None:
        if command.applicant is None or self.vault is None:
            return None
        applicant = Applicant(**command.applicant.model_dump())
        if applicant.is_empty():
            return None
        applicant_id = self.vault.pseudonym(applicant)
        self.vault.store(applicant_id, appeal_id, applicant)  # before the event: never orphaned
        return applicant_id

    def _repeat_index(self, applicant_id, classification: Classification, received_at,
                      indexes: dict):
        """The repeat index of (applicant, topic, place), shared across a batch."""
        if applicant_id is None or not classification.topic:
            return None, None
        key = repeat_key(applicant_id, classification.topic, classification.territory or "")
        if key not in indexes:
            try:
                indexes[key] = self.repository.get(key)
            except AggregateNotFoundError:
                indexes[key] = RepeatIndex(key)
        index = indexes[key]
        return index, index.earlier_within(received_at, self.repeat_window)

    # -- the log tells intake how its appeals end (for Open311 status) -------------------
    def react(self, envelope: Envelope, unit: UnitOfWork) -> None:
        status = {"AnswerPublished": ("open", "ответ направлен заявителю"),
                  "AppealClosed": ("closed", "обращение закрыто"),
                  "AppealReopened": ("open", "обращение переоткрыто")}.get(envelope.event_type)
        if status is None:
            return
        appeal: IntakeAppeal | None = unit.get(envelope.appeal_id)
        if appeal is not None:
            appeal.remember({"status": status[0], "status_notes": status[1]},
                            at=envelope.occurred_at)
