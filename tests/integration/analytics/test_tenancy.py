"""Analytics across a regional deployment: every row names its municipality and region,
days are each municipality's own, indicators cover the caller's municipalities and the
region's roll-up is the sum of its municipalities (issue 21)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.analytics.application import Analytics
from services.analytics.adapters.projection import Projector
from services.analytics.domain.indicators import Period
from services.analytics.domain.tree import Tree
from tests.support import chdb
from tests.support.analytics_fixture import FORMULA
from tests.support.envelopes import AppealStory

pytestmark = pytest.mark.chdb

TREE = Tree("konst", {"konst": "Europe/Moscow", "semi": "Europe/Moscow",
                      "sosn": "Asia/Krasnoyarsk"},
            {"konst": "rostov", "semi": "rostov", "sosn": "krasnoyarsk"},
            {"konst": "Константиновский район", "semi": "Семикаракорский район",
             "sosn": "Сосновоборский округ", "rostov": "Ростовская область"},
            {"konst": 30_000, "semi": 47_000},
            {"konst": {"adm-gkh": "Отдел коммунального хозяйства"},
             "semi": {"gkh": "Отдел ЖКХ Семикаракорского района"}})
LATE = datetime(2026, 11, 17, 19, 30, tzinfo=UTC)  # 22:30 in Moscow, 02:30 next day in UTC+7


def stories() -> list:
    events = []
    for municipality, recipient, n in (("konst", "adm-gkh", 3), ("semi", "gkh", 2),
                                       ("sosn", "ugkh", 1), (None, "adm-gkh", 1)):
        for _ in range(n):
            story = AppealStory(municipality=municipality)
            events += [story.registered(LATE),
                       story.event("AppealRouted", LATE, recipient_id=recipient)]
    return events


def analytics() -> Analytics:
    ch = chdb.fresh()
    Projector(ch, TREE).project(chdb.records(stories()))
    return Analytics(ch, TREE, FORMULA)


def test_every_row_names_its_municipality_region_and_its_own_day():
    a = analytics()
    rows = a.ch.query("SELECT municipality, region, local_day, count() FROM events"
                      " WHERE event_type = 'AppealRegistered' GROUP BY ALL ORDER BY ALL")[1]
    assert rows == [("konst", "rostov", date(2026, 11, 17), 4),  # one from before tenancy
                    ("semi", "rostov", date(2026, 11, 17), 2),
                    ("sosn", "krasnoyarsk", date(2026, 11, 18), 1)]  # past midnight in UTC+7
    assert a.ch.query("SELECT municipality, count() FROM appeals FINAL GROUP BY ALL"
                      " ORDER BY ALL")[1] == [("konst", 4), ("semi", 2), ("sosn", 1)]


def test_indicators_cover_the_callers_municipalities_and_the_region_is_their_sum():
    a = analytics()
    week = Period.iso_week("2026-W47")
    new = {m: a.reports.totals(week, [m])["new"] for m in ("konst", "semi", "sosn")}
    assert new == {"konst": 4, "semi": 2, "sosn": 1}
    assert a.reports.totals(week, ["konst", "semi"])["new"] == new["konst"] + new["semi"]
    assert a.reports.totals(week)["new"] == sum(new.values())
    by_recipient = a.reports.counts(week, "recipient_id", ["semi"])
    assert {r["value"] for r in by_recipient} - {""} == {"gkh"}  # no other municipality's
    region = {r["municipality"]: r for r in a.reports.municipalities(week, ["konst", "semi"])}
    assert region["konst"]["per_1000"] == round(1000 * 4 / 30_000, 2)
    assert region["semi"]["timeliness"] is None  # nothing answered or overdue: no figure
    assert region["konst"]["name"] == "Константиновский район"


def test_the_regions_memo_names_municipalities_and_recipients_and_says_when_there_is_no_data():
    from services.analytics.adapters.memo.render import render_html, render_pdf

    a = analytics()
    data = a.memo_data("2026-W47", scope=["konst", "semi"])
    html = render_html(data)
    assert "Аналитическая записка МЦУ — Ростовская область за неделю 2026-W47" in html
    assert "Муниципальные МЦУ региона" in html and "нет данных" in html
    assert "Отдел ЖКХ Семикаракорского района (Семикаракорский район)" in html
    assert ">gkh<" not in html  # names, not ids
    assert "Сосновоборский" not in html  # another region's municipality is not in it
    own = render_html(a.memo_data("2026-W47", scope=["sosn"]))
    assert "МЦУ — Сосновоборский округ" in own and "Муниципальные МЦУ региона" not in own
    assert render_pdf(data).startswith(b"%PDF")


def test_the_analytics_doors_answer_only_for_the_callers_municipalities():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from kit import problems
    from kit.deployment import load_deployment
    from services.analytics.adapters.analyst_sql import AnalystSql
    from services.analytics.bootstrap import tree_of
    from services.analytics.entrypoints.http import router

    deployment = load_deployment()
    ch = chdb.fresh()
    tree = tree_of(deployment)
    events = []
    for municipality in ("konstantinovsky", "semikarakorsky", "grozny"):
        story = AppealStory(municipality=municipality)
        events.append(story.registered(LATE))
    Projector(ch, tree).project(chdb.records(events))
    api = FastAPI()
    problems.install(api)
    api.include_router(router(Analytics(ch, tree, FORMULA), deployment, AnalystSql(ch)))
    client = TestClient(api)

    def get(path, who, **params):
        return client.get(f"/api/v1{path}", params={"period": "2026-W47", **params},
                          headers={"Authorization": f"Bearer demo-{who}"})

    def new(answer) -> int:
        return sum(r["new"] for r in answer.json())

    assert new(get("/indicators/counts", "u-analyst")) == 1  # Константиновский only
    assert new(get("/indicators/counts", "r-rostov-analyst")) == 2  # the region's two
    assert new(get("/indicators/counts", "r-rostov-analyst", municipality="semikarakorsky")) == 1
    foreign = get("/indicators/counts", "u-analyst", municipality="grozny")
    assert foreign.status_code == 404 and foreign.json()["code"] == "unknown_municipality"
    region = get("/indicators/municipalities", "r-rostov-curator").json()
    assert [m["municipality"] for m in region] == ["konstantinovsky", "semikarakorsky"]
    assert get("/indicators/counts", "d-admin").status_code == 403  # manages the tree only

    def sql(statement: str, who: str) -> list:
        answer = client.post("/api/v1/sql", json={"sql": statement},
                             headers={"Authorization": f"Bearer demo-{who}"})
        assert answer.status_code == 200, answer.text
        return answer.json()["rows"]

    assert sql("SELECT count() FROM events", "u-analyst") == [[1]]
    assert sql("SELECT count() FROM events", "r-rostov-analyst") == [[2]]
    for sneaky, own in (
            ("SELECT count() FROM mcu.appeals AS a JOIN mcu.events AS e USING appeal_id", 1),
            ("WITH t AS (SELECT * FROM appeals FINAL) SELECT count() FROM t", 1),
            ("SELECT count() FROM (SELECT * FROM daily UNION ALL SELECT * FROM daily)"
             " WHERE municipality = 'grozny'", 0),
            ("SELECT count() FROM log_parsed", 0)):  # working data: nobody scoped reads it
        assert sql(sneaky, "u-analyst") == [[own]], sneaky  # never another municipality's
    assert sql("SELECT count() FROM schema_migrations", "u-analyst")[0][0] >= 6  # no appeals
    memo = client.get("/api/v1/memo/2026-W47", params={"municipality": "grozny"},
                      headers={"Authorization": "Bearer demo-gr-analyst"})
    assert memo.status_code == 200 and "г. Грозный" in memo.text


def _states(ch, table: str) -> list:
    return ch.query(f"SELECT appeal_id, version, municipality, registered_day, recipient_id,"
                    f" status FROM {table} FINAL ORDER BY appeal_id")[1]


def test_the_indicators_copy_of_the_states_is_the_projections_and_an_upgrade_fills_it():
    a = analytics()
    ch = a.ch
    more = AppealStory(municipality="semi")
    Projector(ch, TREE).project(chdb.records([more.registered(LATE)]))
    Projector(ch, TREE).project(chdb.records([  # a later batch changes that state
        more.event("AppealRouted", LATE, recipient_id="gkh")]))
    states = _states(ch, "appeals")
    assert len(states) == 8 and _states(ch, "appeals_by_day") == states
    assert next(s for s in states if s[0] == more.appeal_id)[4] == "gkh"
    # a store from before migration 007: the copy is made from the states at the upgrade
    ch.command("DROP VIEW appeals_by_day_mv")
    ch.command("DROP TABLE appeals_by_day")
    ch.command("DELETE FROM schema_migrations WHERE version = 7")
    assert ch.migrate() == ["007_appeals_by_day.sql"]
    assert _states(ch, "appeals_by_day") == states
