"""Kit pieces that need no real part: envelopes from stored events, inbox, logs, clock."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts import Actor, decode, encode
from contracts.catalog import UnknownEventType
from contracts.events.routing import AppealRouted
from contracts.events.workflow import AppealRated, AppealRatedV1
from contracts.vocabulary import Channel
from kit.appeal_aggregate import AppealAggregate
from kit.clock import AcceleratedClock, FixedClock
from kit.inbox import BatchInbox, Inbox
from kit.logging import JsonFormatter
from kit.outbox import envelope_of


class Workflow(AppealAggregate):
    def initialize(self) -> None:
        self.recipient = None

    def when(self, event) -> None:
        if isinstance(event, AppealRouted):
            self.recipient = event.recipient_id


class Rated(AppealAggregate):
    def initialize(self) -> None:
        self.seen = []

    def when(self, event) -> None:
        self.seen.append(event)


def _routed(recipient: str) -> AppealRouted:
    return AppealRouted(recipient_id=recipient, reason="автоправило: тема «Дороги»")


def test_appeal_events_become_envelopes_with_identity_from_the_aggregate_version():
    appeal_id = uuid.uuid4()
    coordinator = Actor(id="u-1", role="coordinator")
    workflow = Workflow.open(appeal_id, _routed("adm-roads"), coordinator)
    workflow.record(_routed("sp-nikolaevskoe"), coordinator)
    first, second = workflow.collect_events()
    envelope = envelope_of("routing", second)
    assert (envelope.appeal_id, envelope.seq, envelope.producer) == (appeal_id, 2, "routing")
    assert envelope.correlation_id == appeal_id
    assert decode(encode(envelope)).payload.recipient_id == "sp-nikolaevskoe"
    assert workflow.recipient == "sp-nikolaevskoe"
    assert envelope_of("routing", first).seq == 1


def test_recording_refuses_a_payload_that_is_no_event_types_latest_version():
    with pytest.raises(UnknownEventType):
        Workflow.open(uuid.uuid4(), AppealRatedV1(score=5), Actor.system("t"))
    with pytest.raises(UnknownEventType):
        Workflow.open(uuid.uuid4(), Actor.system("not an event"), Actor.system("t"))


def test_a_stored_old_version_reaches_when_upcast_and_typed():
    """A service replaying its own store sees what the log's consumers see."""
    stored = Rated.Opened(originator_id=uuid.uuid4(), originator_version=1,
                          timestamp=datetime(2026, 11, 2, tzinfo=UTC),
                          originator_topic="tests.unit.test_kit:Rated", event_type="AppealRated",
                          schema_version=1, payload={"score": 2}, actor={"id": "a"},
                          causation_id=None, correlation_id=None)
    assert stored.mutate(None).seen == [AppealRated(score=2, satisfied=False, comment=None)]


def test_cause_links_causation_and_correlation():
    cause = decode(encode(envelope_of("intake", Workflow.open(
        uuid.uuid4(), _routed("a"), Actor.system("t")).collect_events()[0])))
    workflow = Workflow.open(cause.appeal_id, _routed("b"), Actor.system("t"),
                             cause=cause)
    envelope = envelope_of("routing", workflow.collect_events()[0])
    assert envelope.causation_id == cause.event_id
    assert envelope.correlation_id == cause.correlation_id


def test_events_that_are_not_appeal_events_stay_inside_the_service():
    from eventsourcing.utils import get_topic

    from kit.outbox import published

    inbox_event = Inbox("mcu.routing", uuid.uuid4(), {"intake": 1}).collect_events()[0]
    assert envelope_of("routing", inbox_event) is None
    workflow = Workflow.start(uuid.uuid4(), {"executor": "u-2"})
    workflow.remember({"executor": "u-3"})
    workflow.record(_routed("adm-roads"), Actor.system("t"))
    started, noted, routed = workflow.collect_events()
    # the relay decides by the stored topic, before decoding
    assert [published(get_topic(type(e))) for e in (inbox_event, started, noted, routed)] == \
        [False, False, False, True]


def test_inbox_drops_what_it_has_applied_and_stores_one_event_per_batch():
    appeal_id = uuid.uuid4()
    batch = BatchInbox("mcu.sla", appeal_id, stored=None)
    assert not batch.has_applied("intake", 1)
    batch.mark("intake", 1)
    batch.mark("intake", 2)
    batch.mark("routing", 1)
    assert batch.has_applied("intake", 2) and batch.has_applied("intake", 1)
    stored = batch.flush()
    assert len(stored.collect_events()) == 1
    assert stored.applied == {"intake": 2, "routing": 1}

    next_batch = BatchInbox("mcu.sla", appeal_id, stored=stored)
    assert next_batch.has_applied("intake", 2) and not next_batch.has_applied("intake", 3)
    next_batch.mark("intake", 3)
    assert len(next_batch.flush().collect_events()) == 1
    assert BatchInbox("mcu.sla", appeal_id, stored=stored).flush() is None


def test_json_logs_keep_identifiers_and_drop_anything_else():
    record = logging.LogRecord("mcu", logging.INFO, __file__, 1, "принято", None, None)
    record.appeal_id = "9d4e"
    record.applicant_name = "Иванов Иван Иванович"
    record.phone = "+7 900 000-00-00"
    record.text = "живу по адресу ул. Ленина, 5"
    line = json.loads(JsonFormatter("intake").format(record))
    assert line["appeal_id"] == "9d4e" and line["service"] == "intake"
    assert "Иванов" not in json.dumps(line, ensure_ascii=False)
    assert not {"applicant_name", "phone", "text"} & set(line)


def test_fixed_clock_moves_only_when_told():
    clock = FixedClock(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    clock.advance(timedelta(days=14))
    assert clock.now() == datetime(2027, 1, 14, 20, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))


def test_accelerated_clock_runs_faster_than_its_base():
    base = FixedClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    fast = AcceleratedClock(600, base=base)
    base.advance(timedelta(seconds=6))
    assert fast.now() == datetime(2026, 11, 16, 10, 0, tzinfo=UTC)


def test_a_wrong_setting_is_named_in_russian():
    from pydantic import ValidationError

    from kit.settings import Settings, settings_problem

    with pytest.raises(ValidationError) as caught:
        Settings(http_workers="abc", store="mysql", _env_file=None)
    message = str(settings_problem(caught.value))
    assert "MCU_HTTP_WORKERS=abc: ожидается целое число" in message
    assert "MCU_STORE=mysql: ожидается одно из: 'sqlite', 'postgres'" in message


@pytest.mark.parametrize("configured, complaint", [
    ("pos=k1,opn311=k2", "неизвестный канал «opn311»"),
    ("pos=", "у канала «pos» пустой ключ"),
    ("pos", "у канала «pos» пустой ключ"),
])
def test_a_wrong_channel_key_setting_is_named_in_russian(configured, complaint):
    from kit.settings import ConfigError
    from services.intake.entrypoints.channel_keys import configured_keys

    with pytest.raises(ConfigError, match=complaint):
        configured_keys(configured)
    assert configured_keys(" pos = k1 , web=k2 ") == {Channel.POS: "k1", Channel.WEB: "k2"}


def test_a_directory_whose_parents_loop_is_refused_naming_the_cycle():
    import pytest

    from kit.directory import parse_directory
    from kit.reference_files import ReferenceFileError

    data = {"municipality": "Тест", "timezone": "Europe/Moscow", "people": [],
            "organizations": [{"id": "mcu", "name": "МЦУ", "kind": "mcu"},
                              {"id": "a", "name": "А", "kind": "department", "parent": "b"},
                              {"id": "b", "name": "Б", "kind": "department", "parent": "c"},
                              {"id": "c", "name": "В", "kind": "administration", "parent": "a"},
                              {"id": "d", "name": "Г", "kind": "department", "parent": "a"}]}
    with pytest.raises(ReferenceFileError) as refused:
        parse_directory(data)
    assert refused.value.problems == ["цикл подчинения: a → b → c → a"]


def test_a_kraft_cluster_id_never_starts_like_an_option():
    from kit.devstack.kafka import _cluster_id

    ids = [_cluster_id() for _ in range(2000)]  # about 31 would start with "-" by chance
    assert not [i for i in ids if i.startswith("-")] and len(set(ids)) == 2000


def test_a_test_without_the_chdb_marker_cannot_open_clickhouse():
    import pytest

    from services.analytics.adapters.clickhouse import ClickHouse

    with pytest.raises(AssertionError, match="pytest.mark.chdb"):
        ClickHouse.query(object(), "SELECT 1")


def test_a_batch_gathered_over_a_rebalance_holds_each_record_once_in_order():
    from aiokafka.structs import ConsumerRecord

    from kit.log_consumer import distinct

    def record(offset: int, value: bytes = b"x") -> ConsumerRecord:
        return ConsumerRecord("t", 0, offset, 0, 0, None, value, None, 0, 1, [])

    # fetched 10..12, then the seek back to the stored 11 fetched 11..13 again
    batch = [record(10), record(11), record(12), record(11), record(12), record(13)]
    assert [r.offset for r in distinct(batch)] == [10, 11, 12, 13]
    assert distinct([]) == []


def test_a_reference_file_that_yaml_cannot_read_is_refused_not_a_crash():
    import pytest

    from kit.reference_files import ReferenceFileError, load_yaml

    for text in ("2020-99-99", "[" * 5000, "a: *b"):
        with pytest.raises(ReferenceFileError) as refused:
            load_yaml(text, "файл")
        assert "не YAML" in str(refused.value)
