"""Every query on the known fixture of events (tests/support/analytics_fixture.py), with
the expected numbers computed by hand there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.analytics.domain.indicators import Period
from services.analytics.adapters.projection import Projector
from services.analytics.adapters.reports import Reports
from tests.support.analytics_fixture import FORMULA, MSK, RULE, W47, fixture_events, msk
from tests.support.chdb import records
from tests.support.envelopes import AppealStory

pytestmark = pytest.mark.chdb


@pytest.fixture
def loaded(ch):
    events, ids = fixture_events()
    Projector(ch, MSK).project(records(events))
    return Reports(ch, replace(FORMULA, min_appeals=1), RULE), ids


def test_week_totals(loaded):
    reports, _ = loaded
    assert reports.totals(W47) == {"new": 3, "repeat": 1, "overdue": 2, "postponed": 1,
                                   "answered": 1}
    assert reports.totals(W47.previous()) == {"new": 1, "repeat": 0, "overdue": 0,
                                              "postponed": 0, "answered": 0}


def test_counts_by_topic_and_by_day(loaded):
    reports, _ = loaded
    by_topic = {r["value"]: r for r in reports.counts(W47, "topic")}
    assert {k: by_topic["Ямы"][k] for k in ("new", "overdue", "answered")} == {
        "new": 2, "overdue": 1, "answered": 1}
    assert {k: by_topic["Вода"][k] for k in ("new", "repeat", "overdue", "postponed")} == {
        "new": 1, "repeat": 1, "overdue": 1, "postponed": 1}
    by_day = {r["value"].day: r["new"] for r in reports.counts(W47, "day")}
    assert by_day == {16: 2, 17: 0, 18: 1, 19: 0, 20: 0, 21: 0}  # days with any event


def test_rating_components_and_score(loaded):
    reports, _ = loaded
    roads, zhkh = reports.rating(Period.of(W47.previous().start, W47.end))
    assert roads["recipient_id"] == "adm-roads" and roads["rank"] == 1
    assert (roads["appeals"], roads["answered"], roads["on_time"], roads["late"]) == (2, 2, 1, 1)
    assert roads["reworks"] == 1 and roads["mean_rating"] == 3.5
    assert (roads["timeliness"], roads["completeness"], roads["quality"]) == (0.5, 1.0, 0.5)
    assert roads["score"] == 65.0
    late_hours = (msk(25) - msk(18, 23)).total_seconds() / 3600
    assert roads["mean_late_hours"] == round(late_hours, 1)
    assert zhkh["recipient_id"] == "adm-zhkh" and zhkh["rank"] == 2
    assert (zhkh["appeals"], zhkh["answered"], zhkh["overdue_open"]) == (2, 0, 1)
    assert (zhkh["timeliness"], zhkh["completeness"], zhkh["quality"]) == (0.0, 0.0, 1.0)
    assert zhkh["score"] == 30.0


def test_recipients_below_the_minimum_are_shown_but_not_ranked(ch):
    events, _ = fixture_events()
    Projector(ch, MSK).project(records(events))
    rows = Reports(ch, replace(FORMULA, min_appeals=3), RULE).rating(W47)
    assert [r["rank"] for r in rows] == [None, None]


def test_heat_map_cells_with_growth_against_the_previous_week(loaded):
    reports, _ = loaded
    cells = {(c["topic"], c["territory"]): (c["current"], c["previous"], c["growth"])
             for c in reports.heatmap(W47)}
    assert cells == {("Ямы", "г. Константиновск"): (1, 0, None),
                     ("Ямы", "Почтовское"): (1, 0, None),
                     ("Вода", "г. Константиновск"): (1, 1, 0.0)}


def test_workload_per_block_and_executor(loaded):
    reports, _ = loaded
    blocks = {b["block"]: b for b in reports.workload(W47)["blocks"]}
    assert (blocks["ЖКХ"]["open"], blocks["ЖКХ"]["overdue_open"], blocks["ЖКХ"]["new"]) == (2, 1, 1)
    assert (blocks["Дороги"]["open"], blocks["Дороги"]["new"]) == (0, 2)
    [executor] = reports.workload(W47)["executors"]
    assert (executor["executor_id"], executor["open"], executor["answered"]) == ("u-1", 0, 1)


def test_satisfaction_distribution_and_share(loaded):
    reports, _ = loaded
    assert reports.satisfaction(W47) == {"distribution": {5: 1}, "ratings": 1,
                                         "satisfied_share": 1.0}
    both = reports.satisfaction(Period.of(W47.start, W47.end + timedelta(days=7)))
    assert both["distribution"] == {2: 1, 5: 1} and both["satisfied_share"] == 0.5


def test_worst_overdue_lists_open_overdue_appeals_only(loaded):
    reports, ids = loaded
    [worst] = reports.worst_overdue(msk(30, 0))
    assert worst["appeal_id"] == ids["A4"]
    assert worst["overdue_hours"] == int((msk(30, 0) - ids["due_a4"]).total_seconds() // 3600)


def test_a_planted_spike_is_found_with_the_appeals_behind_it(ch):
    events = []
    for week in range(8):  # one a week for eight weeks: the usual level
        day = W47.start - timedelta(weeks=week + 1)
        events.append(AppealStory().registered(
            datetime(day.year, day.month, day.day, 10, tzinfo=MSK).astimezone(UTC),
            topic="Свалки", territory="Гапкинское"))
    spike = [AppealStory().registered(msk(17, 9 + n % 8), topic="Свалки",
                                      territory="Гапкинское") for n in range(12)]
    steady = [AppealStory().registered(msk(17), topic="Ямы") for _ in range(2)]
    Projector(ch, MSK).project(records(events + spike + steady))
    [found] = Reports(ch, FORMULA, RULE).growth_factors(W47, "topic")
    assert (found["value"], found["count"], found["baseline_mean"]) == ("Свалки", 12, 1.0)
    assert found["threshold"] == 4.0 and found["score"] == 11.0
    assert sorted(a["appeal_id"] for a in found["appeals"]) == sorted(e.appeal_id for e in spike)
    assert Reports(ch, FORMULA, RULE).growth_factors(W47, "territory")[0]["value"] == "Гапкинское"


def test_delivery_counts_each_way_and_the_time_from_publication(ch):
    """A letter posted the day after publication (recorded two days later: its posting day
    counts), an e-mail delivered at the second attempt after an hour, one still on its
    way after a failure, and a reopened appeal whose new answer is not delivered yet."""
    letter, mail, waiting, reopened = (AppealStory() for _ in range(4))
    published = msk(17, 10)
    events = [
        letter.registered(msk(16), channel="letter", kind="official"),
        letter.event("AnswerPublished", published),
        letter.event("AnswerDelivered", msk(19, 15), channel="letter",
                     dispatched_at=msk(18, 10).isoformat()),
        mail.registered(msk(16), channel="email"),
        mail.event("AnswerPublished", published),
        mail.event("DeliveryFailed", published + timedelta(minutes=1), channel="email",
                   retry_at=(published + timedelta(minutes=30)).isoformat()),
        mail.event("AnswerDelivered", published + timedelta(hours=1), channel="email",
                   attempt=2),
        waiting.registered(msk(16), channel="email"),
        waiting.event("AnswerPublished", published),
        waiting.event("DeliveryFailed", published, channel="email", retry_at=None),
        reopened.registered(msk(16), channel="email"),
        reopened.event("AnswerPublished", msk(16, 12)),
        reopened.event("AnswerDelivered", msk(16, 13), channel="email"),
        reopened.event("AppealReopened", msk(17, 9)),
        reopened.event("AnswerPublished", published),
    ]
    Projector(ch, MSK).project(records(events))
    rows = {r["value"]: r for r in Reports(ch, FORMULA, RULE).delivery(W47)}
    assert (rows["letter"]["published"], rows["letter"]["delivered"]) == (1, 1)
    assert rows["letter"]["median_hours"] == 24.0  # to the posting day, not the record
    assert {k: rows["email"][k] for k in ("published", "delivered", "waiting",
                                          "with_failures")} == {
        "published": 3, "delivered": 1, "waiting": 2, "with_failures": 2}
    assert rows["email"]["median_hours"] == 1.0
    only_waiting = Reports(ch, FORMULA, RULE).delivery(W47.previous())
    assert only_waiting == []  # published in W47 only
