"""Intake registration on the in-memory store: durable once, idempotent on repeats."""

from __future__ import annotations


import pytest
from pydantic import ValidationError

from contracts import decode, encode
from contracts.vocabulary import Channel, ClassificationMethod, Kind
from kit.privacy import redactor
from kit.clock import FixedClock
from kit.outbox import envelope_of
from services.intake.application import IntakeApplication
from services.intake.domain.commands import RegisterAppeal
from tests.support.intake import NOW, shipped_classifier
from tests.support.routing import deployment as directory_deployment



@pytest.fixture
def intake() -> IntakeApplication:
    return IntakeApplication(redactor=redactor(), classifier=shipped_classifier(), deployment=directory_deployment(),
                             env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                             clock=FixedClock(NOW))


def _command(**overrides) -> RegisterAppeal:
    fields = {"channel": Channel.POS, "external_id": "POS-1",
              "text": "Не вывозят мусор с площадки на ул. Садовой", "topic": "Вывоз мусора",
              "territory": "Почтовское сельское поселение"}
    return RegisterAppeal(**(fields | overrides))


def _published(intake: IntakeApplication):
    """What the relay puts on the log (an official appeal's notice due is intake's own)."""
    return [e for n in intake.notifications_after(0, 100)
            if (e := envelope_of("intake", intake.domain_event(n))) is not None]


def test_registration_publishes_one_appeal_registered(intake):
    result = intake.register(_command())
    [envelope] = _published(intake)
    assert (envelope.event_type, envelope.appeal_id, envelope.seq) == (
        "AppealRegistered", result.appeal_id, 1)
    payload = decode(encode(envelope)).payload
    assert payload.received_at == NOW
    assert payload.classification.method == ClassificationMethod.APPLICANT
    assert payload.location.territory == "Почтовское сельское поселение"


def test_a_repeated_delivery_changes_nothing(intake):
    first = intake.register(_command())
    again = intake.register(_command(text="тот же номер, другой текст"))
    assert again.appeal_id == first.appeal_id and again.duplicate and not first.duplicate
    assert len(_published(intake)) == 1


def test_a_second_copy_in_the_same_batch_is_a_duplicate_of_the_first(intake):
    first, again = intake.register_many([_command(), _command(text="второй текст")])
    assert again.appeal_id == first.appeal_id and again.duplicate and not first.duplicate
    [envelope] = _published(intake)
    assert envelope.payload["text"] == _command().text


def test_the_same_external_id_on_another_channel_is_another_appeal(intake):
    assert intake.register(_command()).appeal_id != intake.register(
        _command(channel=Channel.OPEN311)).appeal_id


def test_a_59_fz_appeal_is_official_whatever_kind_was_sent(intake):
    intake.register(_command(federal_law_59=True, kind=Kind.MESSAGE))
    [envelope] = _published(intake)
    assert envelope.payload["kind"] == "official"


def test_without_a_topic_the_rubricator_classifies_the_text(intake):
    intake.register(_command(topic=None, territory=None,
                             text="В х. Почтовый мусор не вывозят, контейнеры переполнены"))
    [event] = _published(intake)
    c = event.payload["classification"]
    assert (c["topic"], c["thematic_block"], c["territory"], c["method"], c["confidence"]) == (
        "Вывоз мусора, контейнерные площадки", "ТКО", "Почтовское сельское поселение", "rule",
        0.75)
    assert "«мусор», «контейнер»" in c["reason"] and "«х. Почтовый»" in c["reason"]
    assert event.payload["location"]["territory"] == "Почтовское сельское поселение"


def test_an_unrecognised_text_without_a_topic_awaits_the_coordinator(intake):
    intake.register(_command(topic=None, text="Прошу разобраться с ситуацией"))
    classification = _published(intake)[0].payload["classification"]
    assert classification["confidence"] == 0 and classification["topic"] is None
    assert classification["method"] == "manual"


def test_the_applicants_topic_is_mapped_to_the_rubricator(intake):
    intake.register(_command(topic="★ Ямы во дворах", text="Во дворе дома яма"))
    c = _published(intake)[0].payload["classification"]
    assert (c["topic"], c["thematic_block"], c["method"]) == (
        "Ямы и выбоины на дорогах", "Дороги", "applicant")


@pytest.mark.parametrize("bad", [{"text": ""}, {"external_id": ""}, {"channel": "pigeon"},
                                 {"received_at": "2026-11-16T10:00:00"}, {"extra": 1}])
def test_malformed_commands_are_refused(bad):
    fields = {"channel": "pos", "external_id": "POS-1", "text": "текст"} | bad
    with pytest.raises(ValidationError):
        RegisterAppeal.model_validate(fields)
