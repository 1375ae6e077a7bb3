"""From an HTTP request to the event on the real broker; no personal field reaches the log."""

from __future__ import annotations

import uuid

import pytest

from contracts import decode
from contracts.vocabulary import Channel
from kit.privacy import redactor
from kit.stores import store_environment
from kit.topics import ensure_log_topics
from services.intake.application import IntakeApplication
from services.intake.domain.commands import RegisterAppeal
from services.intake.adapters.vault import PersonalDataVault
from services.intake.adapters.vault_storage import SqliteStorage
from tests.support.logtools import publish_all, read_all
from tests.support.intake import AUTHOR, http_client, pos_message, shipped_classifier
from tests.support.routing import deployment as directory_deployment

pytestmark = pytest.mark.kafka


async def test_a_pos_message_reaches_the_log_without_personal_data(store_settings):
    settings = store_settings
    await ensure_log_topics(settings)
    intake = IntakeApplication(redactor=redactor(), classifier=shipped_classifier(), deployment=directory_deployment(),
                               env=store_environment("intake", settings),
                               vault=PersonalDataVault(SqliteStorage(settings.data_dir / "vault.sqlite")))
    client = http_client(intake)
    accepted = [client.post("/api/v1/channels/pos/messages", headers={"X-API-Key": "demo-pos"},
                            json=pos_message(n)).json() for n in range(5)]
    await publish_all(intake, settings)
    records = await read_all(settings.kafka_bootstrap, settings.log_topic)
    assert sorted(str(decode(rec.value).appeal_id) for rec in records) == sorted(
        a["appeal_id"] for a in accepted)
    raw = b"".join(rec.value + b"".join(v for _, v in rec.headers) for rec in records)
    text = raw.decode()
    for value in (*AUTHOR.values(), "кв. 12", "Школьная, 7", "123-45-67"):
        assert value not in text, f"personal data on the log: {value}"
    applicants = {decode(rec.value).payload.applicant_id for rec in records}
    assert len(applicants) == 1 and None not in applicants  # one person, one pseudonym


def test_a_batch_learns_which_items_are_stored_in_one_query_on_each_store(store_settings):
    intake = IntakeApplication(redactor=redactor(), classifier=shipped_classifier(), deployment=directory_deployment(),
                               env=store_environment("intake", store_settings))
    first = intake.register_many([web_command(n) for n in range(3)])
    assert intake.stored_originators([r.appeal_id for r in first] + [uuid.uuid4()]) == {
        r.appeal_id for r in first}
    again = intake.register_many([web_command(1), web_command(7), web_command(7),
                                  web_command(2)])
    assert [(r.appeal_id, r.duplicate) for r in again] == [
        (first[1].appeal_id, True), (again[1].appeal_id, False), (again[1].appeal_id, True),
        (first[2].appeal_id, True)]
    assert len(intake.stored_originators([r.appeal_id for r in first + again])) == 4


def web_command(n: int) -> RegisterAppeal:
    return RegisterAppeal(channel=Channel.WEB, external_id=f"batch-{n}",
                          text=f"Не вывозят мусор во дворе дома {n}")
