"""Analytics' one projection (SQL, the same for the live ingest and the rebuild) over every
example of the catalog: the same record twice changes nothing, the status it leaves is the
one contracts/status.py says, and what cannot be read is named, the rest kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from contracts import decode, typed
from contracts.examples import EXAMPLES
from contracts.status import status_after
from contracts.vocabulary import AppealStatus
from services.analytics.adapters.projection import Projector
from tests.support import chdb
from tests.support.analytics_fixture import MSK
from tests.support.envelopes import AppealStory
from tests.unit.test_reactions_over_the_catalog import as_delivered

pytestmark = pytest.mark.chdb
AT = datetime(2026, 11, 16, 8, tzinfo=UTC)
EXAMPLE_IDS = {"ids": lambda k: f"{k[0]}.v{k[1]}"}


def state(ch, appeal_id) -> list[tuple]:
    return ch.query("SELECT * EXCEPT (version) FROM appeals FINAL WHERE appeal_id = {a:UUID}",
                    {"a": appeal_id})[1]


def rows(ch, appeal_id) -> list[tuple]:
    return ch.query("SELECT * EXCEPT (ingested_at) FROM events WHERE appeal_id = {a:UUID}"
                    " ORDER BY ALL", {"a": appeal_id})[1]


@pytest.fixture(scope="module")
def ch():
    return chdb.fresh()


@pytest.mark.parametrize("example", sorted(EXAMPLES), **EXAMPLE_IDS)
def test_the_same_record_twice_changes_nothing(ch, example):
    story = AppealStory()
    projector = Projector(ch, MSK)
    registered, delivered = chdb.records([story.registered(AT),
                                          as_delivered(*example, story.appeal_id)])
    first = projector.project([registered, delivered])
    assert (first.inserted, first.dead) == (2, [])
    before = (state(ch, story.appeal_id), rows(ch, story.appeal_id))
    again = projector.project([delivered])  # redelivered: a relay or a consumer restarted
    assert (again.inserted, again.duplicates, again.dead) == (0, 1, [])
    assert (state(ch, story.appeal_id), rows(ch, story.appeal_id)) == before


@pytest.mark.parametrize("example", sorted(EXAMPLES), **EXAMPLE_IDS)
def test_the_status_an_event_leaves_is_the_contracts_one(ch, example):
    story = AppealStory()
    delivered = as_delivered(*example, story.appeal_id)
    Projector(ch, MSK).project(chdb.records([story.registered(AT), delivered]))
    [(status,)] = ch.query("SELECT status FROM appeals FINAL WHERE appeal_id = {a:UUID}",
                           {"a": story.appeal_id})[1]
    event = typed(delivered.event_type, delivered.schema_version, delivered.payload.model_dump(
        mode="json"))
    assert status == status_after(event, AppealStatus.NEW)


def test_a_state_before_the_batch_is_carried_into_the_next(ch):
    """An appeal whose events come in several batches ends as if they came in one."""
    one, split = AppealStory(), AppealStory()
    kinds = ["AppealRouted", "AppealAssigned", "AnswerReturnedForRework", "AppealMarkedRepeat",
             "AppealMarkedRepeat", "AppealReopened", "AppealEscalated"]
    def story_of(s):
        return [s.registered(AT)] + [s.event(k, AT) for k in kinds]
    Projector(ch, MSK).project(chdb.records(story_of(one)))
    projector = Projector(ch, MSK)
    for envelope in story_of(split):
        projector.project(chdb.records([envelope]))
    assert state(ch, split.appeal_id)[0][1:] == state(ch, one.appeal_id)[0][1:]
    by_type = "SELECT event_type, is_repeat, topic, recipient_id FROM events WHERE appeal_id" \
              " = {a:UUID} ORDER BY producer, seq"
    assert ch.query(by_type, {"a": split.appeal_id})[1] == \
        ch.query(by_type, {"a": one.appeal_id})[1]


def test_unreadable_records_are_named_and_the_rest_projected(ch):
    story = AppealStory()
    good = chdb.records([story.registered(AT)])[0]
    bad = replace(good, offset=good.offset + 1, value=b"{not json")
    odd = replace(good, offset=good.offset + 2,
                        value=good.value.replace(b'"seq":1', b'"seq":0'))
    result = Projector(ch, MSK).project([good, bad, odd])
    assert result.inserted == 1
    assert sorted((r.offset - good.offset, code) for r, code, _ in result.dead) == [
        (1, "malformed_json"), (2, "invalid_event")]
    assert decode(good.value).appeal_id == story.appeal_id
