"""Use cases of the intake service."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from contracts import Actor
from contracts.events.registration import AppealRegistered, Classification, CoarseLocation
from contracts.vocabulary import ClassificationMethod, Kind
from kit.clock import Clock, SystemClock
from kit.stores import ServiceApplication
from services.intake.domain.appeal import IntakeAppeal, appeal_id_for
from services.intake.domain.commands import RegisterAppeal


@dataclass(frozen=True)
class Registration:
    appeal_id: UUID
    duplicate: bool


def applicant_classification(command: RegisterAppeal) -> Classification:
    """What is known without a classifier: the topic the applicant chose, if any."""
    if command.topic:
        return Classification(kind=command.kind, topic=command.topic, territory=command.territory,
                              confidence=1.0, method=ClassificationMethod.APPLICANT,
                              reason="тема выбрана заявителем")
    return Classification(kind=command.kind, territory=command.territory, confidence=0.0,
                          method=ClassificationMethod.MANUAL,
                          reason="тема не определена: нужна классификация координатором")


class IntakeApplication(ServiceApplication):
    name = "intake"

    def __init__(self, env: dict | None = None, clock: Clock | None = None):
        super().__init__(env)
        self.clock = clock or SystemClock()

    def register(self, command: RegisterAppeal) -> Registration:
        """Durably register; a repeated delivery of the same item changes nothing."""
        appeal_id = appeal_id_for(command.channel, command.external_id)
        try:
            self.repository.get(appeal_id)
            return Registration(appeal_id, duplicate=True)
        except AggregateNotFoundError:
            pass
        kind = Kind.OFFICIAL if command.federal_law_59 else command.kind
        payload = AppealRegistered(
            channel=command.channel, external_id=command.external_id, kind=kind,
            received_at=command.received_at or self.clock.now(), subject=command.subject,
            text=command.text, location=CoarseLocation(territory=command.territory),
            applicant_topic=command.topic, federal_law_59=command.federal_law_59,
            classification=applicant_classification(command.model_copy(update={"kind": kind})),
        )
        appeal = IntakeAppeal.open(appeal_id, "AppealRegistered", payload,
                                   Actor.system(f"intake/{command.channel.value}"))
        self.save(appeal)
        return Registration(appeal_id, duplicate=False)
