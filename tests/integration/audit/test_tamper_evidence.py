"""Tamper evidence over the real log (issue 24): the audit consumer commits to every record
of a Kafka topic and signs checkpoints; `verify` passes the log as it is and names, in a
copy of it with one record altered, one removed and two swapped, each of them (partition,
offset, appeal); a restarted consumer goes on where it stopped and its checkpoints still
verify."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts import encode
from kit.settings import Settings
from kit.topics import ensure_log_topics, read_topic
from services.audit.adapters.store import AuditStore
from services.audit.application import verify_log
from services.audit.domain.checkpoint import key_id
from services.audit.entrypoints.ingest import AuditIngest
from tests.support.envelopes import AppealStory
from tests.support.logtools import produce_raw
from tests.unit.sla.conftest import MON

pytestmark = pytest.mark.kafka
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEYS = {key_id(KEY.public_key()): KEY.public_key()}


@pytest.fixture
async def log(kafka_bootstrap, log_topic):
    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=2)
    await ensure_log_topics(settings)
    stories = [AppealStory() for _ in range(6)]
    envelopes = [e for s in stories for e in (
        s.registered(MON), s.event("AppealRouted", MON), s.event("AnswerPublished", MON))]
    await produce_raw(kafka_bootstrap, log_topic,
                      [(str(e.appeal_id).encode(), encode(e)) for e in envelopes])
    return settings


async def ingest_all(store: AuditStore, settings: Settings, expected: int,
                     every: int = 4) -> AuditIngest:
    ingest = AuditIngest(store, KEY, settings.log_topic, settings.dlq_topic,
                         settings.kafka_bootstrap, every=every, interval=3600,
                         group=f"audit-{settings.log_topic}")
    await ingest.start()
    for _ in range(200):
        if sum(t.size for t in ingest.trees.values()) >= expected:
            break
        await ingest.consume_once()
    await ingest.close()
    ingest.sign_now()
    return ingest


async def copy_with(settings: Settings, topic: str, change) -> None:
    """The log copied partition by partition to `topic`, each partition's records passed
    through `change` (what an insider with the broker's files could do)."""
    records = await read_topic(settings.kafka_bootstrap, settings.log_topic)
    copy = Settings(kafka_bootstrap=settings.kafka_bootstrap, log_topic=topic, log_partitions=2)
    await ensure_log_topics(copy)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        for partition in (0, 1):
            mine = [r for r in records if r.partition == partition]
            for key, value in change(partition, [(r.key, r.value) for r in mine]):
                await producer.send_and_wait(topic, value=value, key=key, partition=partition)
    finally:
        await producer.stop()


async def test_the_log_verifies_and_each_tampering_of_a_copy_is_named(log, tmp_path):
    store = AuditStore(tmp_path / "audit.sqlite")
    await ingest_all(store, log, 18)
    records = await read_topic(log.kafka_bootstrap, log.log_topic)
    report = verify_log(log.log_topic, records, store, KEYS)
    assert report.discrepancies == [] and report.records == report.covered == 18
    assert report.checkpoints >= 2

    target = max((0, 1), key=lambda p: sum(r.partition == p for r in records))
    mine = [r for r in records if r.partition == target]
    assert len(mine) >= 6

    def tampered(partition, items):
        if partition != target:
            return items
        items = list(items)
        items[1] = (items[1][0], items[1][1].replace(b"AppealRouted", b"AppealRoutet"))
        items[3], items[4] = items[4], items[3]
        del items[5]
        return items

    await copy_with(log, f"{log.log_topic}.copy", tampered)
    copy = await read_topic(log.kafka_bootstrap, f"{log.log_topic}.copy")
    found = verify_log(f"{log.log_topic}.copy", copy, store, KEYS, as_topic=log.log_topic)
    named = {(d.partition, d.offset): d for d in found.discrepancies}
    assert named[(target, 1)].what == "запись изменена"
    assert named[(target, 1)].appeal_id == mine[1].key.decode()
    assert "переставлены" in named[(target, 3)].what and "переставлены" in named[(target, 4)].what
    assert "удалена" in named[(target, 5)].what or "отсутствует" in named[(target, 5)].what
    assert all(d.partition == target for d in found.discrepancies)  # the other is intact


async def test_a_restarted_consumer_goes_on_and_its_checkpoints_still_verify(log, tmp_path):
    store = AuditStore(tmp_path / "audit.sqlite")
    await ingest_all(store, log, 18)
    more = AppealStory()
    await produce_raw(log.kafka_bootstrap, log.log_topic, [
        (str(more.appeal_id).encode(), encode(e)) for e in (
            more.registered(MON), more.event("AppealRouted", MON))])
    again = await ingest_all(store, log, 20)
    assert sum(t.size for t in again.trees.values()) == 20  # nothing committed to twice
    records = await read_topic(log.kafka_bootstrap, log.log_topic)
    report = verify_log(log.log_topic, records, store, KEYS)
    assert report.discrepancies == [] and report.covered == 20


async def test_an_appeals_history_is_replayed_from_the_log_each_event_proven(log, tmp_path):
    from services.audit.adapters.log_reader import read_at
    from services.audit.application import replay_appeal

    store = AuditStore(tmp_path / "audit.sqlite")
    await ingest_all(store, log, 18)
    records = await read_topic(log.kafka_bootstrap, log.log_topic)
    appeal = records[0].key.decode()

    def reading(topic: str):
        return lambda places: read_at(log.kafka_bootstrap, topic, places)

    steps = await replay_appeal(appeal, log.log_topic, store, KEYS, reading(log.log_topic))
    assert [s.envelope["event_type"] for s in steps] == [
        "AppealRegistered", "AppealRouted", "AnswerPublished"]
    assert all(s.proven and s.problem is None for s in steps)

    mine = [r for r in records if r.key.decode() == appeal]

    def altered(partition, items):
        return [(k, v.replace(b"AppealRouted", b"AppealRoutet")) if k.decode() == appeal
                else (k, v) for k, v in items]

    await copy_with(log, f"{log.log_topic}.copy", altered)
    steps = await replay_appeal(appeal, log.log_topic, store, KEYS,
                                reading(f"{log.log_topic}.copy"))
    flagged = [(s.offset, s.problem) for s in steps if not s.proven]
    assert flagged == [(mine[1].offset, "запись изменена после того, как её заверили")]


async def test_the_state_before_and_after_a_reopening_and_a_history_written_twice(
        kafka_bootstrap, log_topic, tmp_path):
    """Audited from the real log at two moments: answered and rated, then reopened with a
    new term. An event published again as it was (at-least-once) is no finding; the same
    event number published again with other content is named."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from contracts.vocabulary import AppealStatus, DeadlineStage
    from services.audit.adapters.log_reader import read_at
    from services.audit.application import audit_appeal

    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=2)
    await ensure_log_topics(settings)
    story, hour = AppealStory(), timedelta(hours=1)
    sla = AppealStory(story.appeal_id)
    registered = story.registered(MON)
    events = [registered, story.event("AppealRouted", MON + hour, recipient_id="adm-gkh"),
              sla.event("DeadlineSet", MON + hour, stage="answer",
                        due_at=(MON + 100 * hour).isoformat()),
              story.event("AppealAssigned", MON + 2 * hour, recipient_id="adm-gkh",
                          executor_id="u-gkh-exec"),
              story.event("AnswerPublished", MON + 50 * hour),
              sla.event("DeadlineStopped", MON + 50 * hour, stage="answer", met=True),
              story.event("AppealRated", MON + 60 * hour, score=2, satisfied=False),
              story.event("AppealReopened", MON + 70 * hour),
              sla.event("DeadlineSet", MON + 70 * hour, stage="answer",
                        due_at=(MON + 80 * hour).isoformat())]
    again = [registered, registered.model_copy(update={"occurred_at": MON + 90 * hour})]
    key = str(story.appeal_id).encode()
    await produce_raw(kafka_bootstrap, log_topic, [(key, encode(e)) for e in events + again])
    store = AuditStore(tmp_path / "audit.sqlite")
    await ingest_all(store, settings, len(events) + 2)

    async def audited(at):
        return await audit_appeal(
            str(story.appeal_id), log_topic, store, KEYS,
            lambda places: read_at(kafka_bootstrap, log_topic, places),
            moscow, at)

    before = await audited(MON + 65 * hour)
    assert before.verified and len(before.steps) == len(events) + 2
    assert before.state.status is AppealStatus.ANSWERED and before.state.rating == 2
    assert before.state.executor_id == "u-gkh-exec"
    assert before.state.deadlines[DeadlineStage.ANSWER].standing(before.at) == "met"
    after = await audited(MON + 85 * hour)
    assert after.state.status is AppealStatus.REOPENED and after.state.reopenings == 1
    assert after.state.deadlines[DeadlineStage.ANSWER].standing(after.at) == "overdue"
    assert after.state.events == len(events)  # each event once, as consumers take it
    written_twice = [r for r in after.rechecks if r.rule == "one_history"]
    assert len(written_twice) == 1 and not written_twice[0].consistent
    assert "№ 1 повторно и иначе" in written_twice[0].detail
    assert after.complete and all(r.rule != "complete_history" for r in after.rechecks)
    naive_local = await audited((MON + 65 * hour).astimezone(ZoneInfo("Europe/Moscow"))
                                .replace(tzinfo=None))
    assert naive_local.at == before.at  # a moment without an offset is the municipality's


async def test_checkpoints_go_to_their_own_topic_and_the_witness_to_the_heads(log, tmp_path):
    """Every checkpoint the consumer signs is on `<log>.checkpoints` (key: its origin),
    verifiable with the public key alone; the week's witness goes by e-mail, through a real
    SMTP server, to each municipality's MCU head, once."""
    from datetime import UTC, datetime

    from kit.mail import Mailer, SmtpSettings
    from kit.staff import read_deployment
    from services.audit.application import send_witness
    from services.audit.domain.checkpoint import Checkpoint, witness_digest
    from tests.support.smtp import smtp_server

    store = AuditStore(tmp_path / "audit.sqlite")
    ingest = AuditIngest(store, KEY, log.log_topic, log.dlq_topic, log.kafka_bootstrap,
                         every=4, interval=3600, group=f"audit-{log.log_topic}")
    await ingest.start()
    for _ in range(200):
        if sum(t.size for t in ingest.trees.values()) >= 18:
            break
        await ingest.consume_once()
    await ingest.close()
    signed = store.checkpoints()
    assert signed and store.unpublished() == []
    on_topic = await read_topic(log.kafka_bootstrap, f"{log.log_topic}.checkpoints")
    published = [Checkpoint.parse(r.value.decode()) for r in on_topic]
    assert {(c.origin, c.size) for c in published} == {(c.origin, c.size) for c in signed}
    assert all(c.verified_by(KEYS) for c in published)
    assert all(r.key.decode() == Checkpoint.parse(r.value.decode()).origin for r in on_topic)

    deployment = read_deployment(Settings())
    heads = {m.directory.mcu_head.email for m in deployment.municipalities.values()
             if m.directory.mcu_head and m.directory.mcu_head.email}
    until = datetime.now(UTC)
    with smtp_server() as (inbox, port):
        mailer = Mailer(SmtpSettings("127.0.0.1", port), sender_name="МЦУ: служба аудита")
        checkpoints, sent = send_witness(store, deployment, mailer, until)
    assert sent == len(heads) and len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert set(recipients) == heads
    from email import message_from_bytes, policy

    text = message_from_bytes(message, policy=policy.default).get_body().get_content()
    assert witness_digest(checkpoints) in text and store.witnessed(until)


async def test_an_event_left_out_of_the_log_is_found_and_the_history_called_incomplete(
        kafka_bootstrap, log_topic, tmp_path):
    """A producer's event that never reached the log (or was removed before the audit
    service saw it): the next event of that producer names it as its previous one, and
    the replay says the history is incomplete, naming what is missing."""
    from kit.staff import read_deployment
    from services.audit.adapters.log_reader import read_at
    from services.audit.adapters.names import names_for
    from services.audit.application import audit_appeal
    from services.audit.domain.dossier import dossier

    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=2)
    await ensure_log_topics(settings)
    story = AppealStory()
    events = [story.registered(MON), story.event("AppealRouted", MON),
              story.event("AppealAssigned", MON), story.event("AnswerPublished", MON)]
    kept = [events[0], events[1], events[3]]  # the assignment never reached the log
    await produce_raw(kafka_bootstrap, log_topic,
                      [(str(story.appeal_id).encode(), encode(e)) for e in kept])
    store = AuditStore(tmp_path / "audit.sqlite")
    await ingest_all(store, settings, len(kept))
    found = await audit_appeal(str(story.appeal_id), log_topic, store, KEYS,
                               lambda places: read_at(kafka_bootstrap, log_topic, places),
                               moscow)
    assert found.verified and not found.complete  # what is there is authentic; not all is
    missing = [r for r in found.rechecks if r.rule == "complete_history"]
    assert len(missing) == 1 and f"нет события № {events[2].seq} службы «routing»" in \
        missing[0].detail
    d = dossier(found, names_for(read_deployment(Settings()), None))
    assert not d.verified and "История неполна" in d.verdict


def moscow(_municipality):
    """Names of a municipality in Moscow time, ids as they are (what the tests read)."""
    from zoneinfo import ZoneInfo

    from services.audit.domain.dossier import Names

    return Names("тест", ZoneInfo("Europe/Moscow"), lambda _: None, lambda _: None)
