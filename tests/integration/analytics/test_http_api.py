"""Analytics over HTTP: the staff token decides who reads indicators and who runs SQL;
the SQL door stays read-only whatever the text says."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kit import problems
from services.analytics.adapters.analyst_sql import AnalystSql
from services.analytics.application import Analytics
from services.analytics.entrypoints.http import router
from services.analytics.adapters.projection import Projector
from tests.support import chdb
from tests.support.routing import deployment, directory
from tests.support.analytics_fixture import FORMULA, MSK, fixture_events

pytestmark = pytest.mark.chdb


def token(role: str) -> dict:
    return {"Authorization": f"Bearer token-p-{role}"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    ch = chdb.fresh()
    Projector(ch, MSK).project(chdb.records(fixture_events()[0]))
    api = FastAPI()
    problems.install(api)
    api.include_router(router(Analytics(ch, MSK, FORMULA), deployment(), AnalystSql(ch)))
    return TestClient(api)


def test_a_reader_gets_the_weeks_counts(client):
    response = client.get("/api/v1/indicators/counts", params={"dim": "topic", "period": "2026-W47"},
                          headers=token("block_curator"))
    assert response.status_code == 200, response.text
    by_topic = {r["value"]: r for r in response.json()}
    assert (by_topic["Ямы"]["new"], by_topic["Вода"]["repeat"]) == (2, 1)  # as in test_reports


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Bearer guessed"}, 401, "unauthorized"),
    ({"X-MCU-Role": "analyst"}, 401, "unauthorized"),  # a role is not claimed, it is looked up
    (token("executor"), 403, "forbidden_role"),
    (token("applicant"), 403, "forbidden_role"),
])
def test_indicators_need_a_readers_token(client, headers, status, code):
    response = client.get("/api/v1/indicators/rating", params={"period": "2026-W47"},
                          headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_analysts_sql_over_http_is_role_checked_and_read_only(client):
    ok = client.post("/api/v1/sql", json={"sql": "SELECT count() AS n FROM events"},
                     headers=token("analyst"))
    assert ok.json() == {"columns": ["n"], "rows": [[len(fixture_events()[0])]],
                         "truncated": False}
    head = client.post("/api/v1/sql", json={"sql": "SELECT 1"}, headers=token("mcu_head"))
    assert (head.status_code, head.json()["code"]) == (403, "forbidden_role")
    for statement, code in [("DROP TABLE events", "read_only_sql"),
                            ("WITH 1 AS x SELECT * FROM events SETTINGS readonly = 0",
                             "sql_settings_refused")]:
        refused = client.post("/api/v1/sql", json={"sql": statement}, headers=token("auditor"))
        assert (refused.status_code, refused.json()["code"]) == (403, code)
    still = client.post("/api/v1/sql", json={"sql": "SELECT count() AS n FROM events"},
                        headers=token("administrator"))
    assert still.json()["rows"] == ok.json()["rows"]
