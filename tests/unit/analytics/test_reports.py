"""Every query on a known fixture of events, with the expected numbers computed by hand.

Week 2026-W47 is 16–22.11.2026 (Moscow). Four appeals:
A1 Ямы/Константиновск (pos): routed adm-roads, answered 17.11 on time, rated 5.
A2 Ямы/Почтовское (pos): routed adm-roads, due 18.11, breached 19.11, one rework,
   answered 25.11 (late), rated 2 on 26.11.
A3 Вода/Константиновск (email, official), registered 10.11 (W46): routed adm-zhkh,
   postponed 18.11.
A4 Вода/Константиновск (web), repeat of A3, registered 18.11: routed adm-zhkh,
   due 20.11, breached 21.11, still open.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.analytics.domain.indicators import Period, RatingFormula
from services.analytics.ingest import Projector
from services.analytics.reports import Reports
from tests.support.chdb import records
from tests.support.envelopes import AppealStory

MSK = ZoneInfo("Europe/Moscow")
W47 = Period.iso_week("2026-W47")


def msk(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=MSK).astimezone(UTC)


def _due(story, at, due):
    return story.event("DeadlineSet", at, stage="answer", due_at=due.isoformat())


def fixture_events() -> tuple[list, dict]:
    a1, a2, a3, a4 = AppealStory(), AppealStory(), AppealStory(), AppealStory()
    roads = {"recipient_id": "adm-roads"}
    zhkh = {"recipient_id": "adm-zhkh"}
    due_a2, due_a4 = msk(18, 23), msk(20, 23)
    events = [
        a3.registered(msk(10), kind="official", topic="Вода", block="ЖКХ", channel="email"),
        a3.event("AppealRouted", msk(10, 11), **zhkh),
        a1.registered(msk(16), topic="Ямы", block="Дороги"),
        a1.event("AppealRouted", msk(16, 11), **roads),
        a1.event("AppealAssigned", msk(16, 12), executor_id="u-1", **roads),
        _due(a1, msk(16, 10), msk(30, 23)),
        a2.registered(msk(16, 11), topic="Ямы", block="Дороги", territory="Почтовское"),
        a2.event("AppealRouted", msk(16, 12), **roads),
        a2.event("AppealAssigned", msk(16, 13), executor_id="u-1", **roads),
        _due(a2, msk(16, 11), due_a2),
        a1.event("AnswerPublished", msk(17)),
        a1.event("DeadlineStopped", msk(17), stage="answer", met=True),
        a1.event("AppealRated", msk(17, 15), score=5, satisfied=True),
        a3.event("AppealPostponed", msk(18), until="2027-04-15"),
        a4.registered(msk(18), topic="Вода", block="ЖКХ", channel="web", repeat_of=a3.appeal_id),
        a4.event("AppealRouted", msk(18, 11), **zhkh),
        _due(a4, msk(18), due_a4),
        a2.event("DeadlineBreached", msk(19, 0), stage="answer", due_at=due_a2.isoformat()),
        a2.event("AnswerReturnedForRework", msk(20)),
        a4.event("DeadlineBreached", msk(21, 0), stage="answer", due_at=due_a4.isoformat()),
        a2.event("AnswerPublished", msk(25)),
        a2.event("DeadlineStopped", msk(25), stage="answer", met=False),
        a2.event("AppealRated", msk(26), score=2, satisfied=False),
    ]
    return events, {"A1": a1.appeal_id, "A2": a2.appeal_id, "A3": a3.appeal_id,
                    "A4": a4.appeal_id, "due_a2": due_a2, "due_a4": due_a4}


@pytest.fixture
def loaded(ch):
    events, ids = fixture_events()
    Projector(ch, MSK).project(records(events))
    return Reports(ch, RatingFormula(min_appeals=1)), ids


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
    rows = Reports(ch, RatingFormula(min_appeals=3)).rating(W47)
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
    [found] = Reports(ch).growth_factors(W47, "topic")
    assert (found["value"], found["count"], found["baseline_mean"]) == ("Свалки", 12, 1.0)
    assert found["threshold"] == 4.0 and found["score"] == 11.0
    assert sorted(a["appeal_id"] for a in found["appeals"]) == sorted(e.appeal_id for e in spike)
    assert Reports(ch).growth_factors(W47, "territory")[0]["value"] == "Гапкинское"
