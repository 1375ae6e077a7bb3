"""Analysts' SQL as a sandbox on the real engine: every hostile attempt is refused with a
problem response and changes nothing; analytical SQL is answered; a heavy query does not
hold up ingestion."""

from __future__ import annotations

import threading
import time
from pathlib import Path

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

SECRET = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "root:x"

HOSTILE = [
    # files of the host
    "SELECT file('/etc/hostname')",
    "SELECT * FROM file('/etc/passwd', 'LineAsString')",
    "SELECT/**/file('/etc/hostname')",
    "SELECT `file`('/etc/hostname')",
    'SELECT "FILE"(\'/etc/hostname\')',
    "SELECT FiLe('/proc/self/environ')",
    "DESCRIBE TABLE file('/etc/passwd', 'LineAsString')",
    "SELECT * FROM events INTO OUTFILE '/tmp/mcu-leak.csv'",
    "SELECT 1 INTO OUTFILE '/tmp/mcu-leak' TRUNCATE FORMAT CSV",
    "SELECT * FROM events -- a comment\n INTO OUTFILE '/tmp/mcu-leak-2'",
    "SELECT * FROM filesystem('/')",
    "SELECT * FROM sqlite('var/intake-vault.sqlite', 'applicant_keys')",
    # network and other engines
    "SELECT * FROM url('http://127.0.0.1:8001/health/live', 'JSONEachRow')",
    "SELECT * FROM s3('http://127.0.0.1:9000/b/k', 'CSV')",
    "SELECT * FROM remote('127.0.0.1:9000', system.one)",
    "SELECT * FROM postgresql('127.0.0.1:55432', 'mcu', 'events', 'mcu', 'mcu')",
    "SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')",
    "SELECT * FROM executable('id', 'TSV', 'x String')",
    "SELECT * FROM python('print(1)')",
    "SELECT * FROM merge('system', '.*')",
    "SELECT * FROM generateRandom('a String') LIMIT 1",
    "SELECT * FROM view(SELECT * FROM system.settings)",
    "SELECT * FROM dictionary('d')",
    "SELECT dictGet('d', 'x', toUInt64(1))",
    "SELECT joinGet('t', 'x', 1)",
    # settings and the host
    "SELECT count() FROM events SETTINGS readonly = 0",
    "SELECT 1 SETTINGS max_execution_time = 0",
    "EXPLAIN PIPELINE graph = 1 SELECT 1",
    "SELECT getSetting('max_memory_usage')",
    "SELECT hostName(), fqdn()",
    "SELECT getMacro('shard')",
    "SELECT filesystemAvailable()",
    "SELECT 1 FORMAT JSON",
    # system tables
    "SELECT * FROM system.tables",
    "SELECT * FROM system.settings",
    "SELECT query FROM system.query_log",
    "SELECT * FROM `system`.`users`",
    "SELECT 1 FROM events WHERE event_type IN system.tables",
    "SHOW TABLES FROM system",
    "SHOW CREATE TABLE system.users",
    # several statements, writes
    "SELECT 1; DROP TABLE events",
    "SELECT 1;\nSELECT file('/etc/hostname')",
    "DROP TABLE events",
    "INSERT INTO events (seq) VALUES (1)",
    "ALTER TABLE events DELETE WHERE 1",
    "TRUNCATE TABLE appeals",
    "CREATE TABLE x (a UInt8) ENGINE = Memory",
    "OPTIMIZE TABLE events FINAL",
    "SYSTEM SHUTDOWN",
    "KILL QUERY WHERE 1",
    "SET readonly = 0",
    "USE system",
    "GRANT ALL ON *.* TO default",
    "EXPLAIN AST INSERT INTO events SELECT * FROM events",
    # comments, Unicode and unterminated tails
    "SELECT 1 /*",
    "SELECT 'x\n TableIdentifier system.tables' FROM system.tables",
    "SELECT ＦＩＬＥ('/etc/hostname')",
    "SELECT fi\u200ble('/etc/hostname')",
    "SELECT COLUMNS('event_type') APPLY(file) FROM events",
    # time and memory
    "SELECT sleep(3)",
    "SELECT sleepEachRow(1) FROM events",
    "SELECT count() FROM system.numbers",
    "SELECT count() FROM system.numbers AS a, system.numbers AS b",
]

ANALYTICAL = {
    "joins": ("SELECT count() AS n FROM events AS e INNER JOIN appeals AS a FINAL"
              " ON a.appeal_id = e.appeal_id", None),
    "window": ("SELECT event_type, row_number() OVER (PARTITION BY appeal_id ORDER BY seq) AS k"
               " FROM events ORDER BY appeal_id, k LIMIT 3", None),
    "cte": ("WITH per AS (SELECT appeal_id, count() AS c FROM events GROUP BY appeal_id)"
            " SELECT max(c) >= 1 AS ok FROM per", [[1]]),
    "show": ("SHOW TABLES", None),
    "describe": ("DESCRIBE TABLE events", None),
    "explain": ("EXPLAIN SELECT count() FROM events", None),
    "system one": ("SELECT dummy FROM system.one", [[0]]),
    "format function": ("SELECT format('{} {}', 'а', 'б') AS s", [["а б"]]),
}


def token(role: str) -> dict:
    return {"Authorization": f"Bearer token-p-{role}"}


@pytest.fixture(scope="module")
def engine():
    ch = chdb.fresh()
    Projector(ch, MSK).project(chdb.records(fixture_events()[0]))
    sql = AnalystSql(ch)
    yield ch, sql
    sql.close()


@pytest.fixture(scope="module")
def client(engine) -> TestClient:
    ch, sql = engine
    api = FastAPI()
    problems.install(api)
    api.include_router(router(Analytics(ch, MSK, FORMULA), deployment(), sql))
    return TestClient(api)


def test_there_are_at_least_thirty_hostile_attempts():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("statement", HOSTILE)
def test_a_hostile_statement_is_refused_and_changes_nothing(client, engine, statement):
    ch, _ = engine
    before = ch.query("SELECT count() FROM events")[1]
    response = client.post("/api/v1/sql", json={"sql": statement}, headers=token("analyst"))
    assert response.status_code in (400, 403, 422), (statement, response.text[:300])
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["code"].startswith(("sql_", "read_only_sql")), body
    assert SECRET not in response.text
    assert ch.query("SELECT count() FROM events")[1] == before
    assert not Path("/tmp/mcu-leak.csv").exists() and not Path("/tmp/mcu-leak").exists()


def test_refusals_name_what_was_refused_in_russian(client):
    cases = {"SELECT file('/etc/hostname')": ("sql_function_refused", "функция file"),
             "SELECT * FROM url('http://x', CSV)": ("sql_table_function_refused", "url"),
             "SELECT * FROM system.tables": ("sql_table_refused", "system.tables"),
             "SELECT 1 SETTINGS readonly = 0": ("sql_settings_refused", "SETTINGS"),
             "SELECT 1 INTO OUTFILE 'x'": ("sql_outfile_refused", "INTO OUTFILE"),
             "SELECT 1; SELECT 2": ("sql_multiple_statements", "один запрос"),
             "DROP TABLE events": ("read_only_sql", "только запросы на чтение")}
    for statement, (code, words) in cases.items():
        body = client.post("/api/v1/sql", json={"sql": statement}, headers=token("analyst")).json()
        assert (body["code"], body["status"]) == (code, 403), body
        assert words in body["detail"], body


def test_a_limit_is_a_clear_refusal_not_a_hang(client):
    started = time.monotonic()
    body = client.post("/api/v1/sql", json={"sql": "SELECT count() FROM system.numbers"},
                       headers=token("analyst")).json()
    assert (body["status"], body["code"]) == (422, "sql_limit_exceeded")
    assert "200 млн строк" in body["detail"]
    assert time.monotonic() - started < 30


def test_a_huge_result_is_cut_and_says_so(client):
    body = client.post("/api/v1/sql", json={"sql": "SELECT number FROM system.numbers"
                                            " LIMIT 5000000"}, headers=token("analyst")).json()
    assert body["truncated"] is True and len(body["rows"]) == 10_000


@pytest.mark.parametrize("name", ANALYTICAL)
def test_analytical_sql_is_answered(client, name):
    statement, expected = ANALYTICAL[name]
    response = client.post("/api/v1/sql", json={"sql": statement}, headers=token("analyst"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"], body
    if expected is not None:
        assert body["rows"] == expected


def test_the_join_counts_what_the_tables_hold(client, engine):
    ch, _ = engine
    expected = ch.query("SELECT count() FROM events WHERE appeal_id IN"
                        " (SELECT appeal_id FROM appeals)")[1][0][0]
    body = client.post("/api/v1/sql", json={"sql": ANALYTICAL["joins"][0]},
                       headers=token("analyst")).json()
    assert body["rows"] == [[expected]] and expected == len(fixture_events()[0])


def test_a_heavy_query_does_not_hold_up_ingestion(engine):
    ch, _ = engine
    sql = AnalystSql(ch, seconds=4)
    projector = Projector(ch, MSK)
    projector.prepare()
    heavy = ("SELECT count() FROM events AS a, events AS b, events AS c, events AS d,"
             " events AS e, events AS f, events AS g WHERE a.seq + b.seq + c.seq + d.seq"
             " + e.seq + f.seq + g.seq = -1")
    outcome: dict = {}

    def run_heavy() -> None:
        started = time.monotonic()
        try:
            sql.run(heavy)
        except Exception as exc:  # noqa: BLE001 - a limit is an acceptable end
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_heavy)
    thread.start()
    time.sleep(0.5)  # the heavy query is running now
    events, _ = fixture_events()
    started = time.monotonic()
    projector.project(chdb.records(events, topic="mcu.appeals.heavy"))
    ingest_seconds = time.monotonic() - started
    still_running = thread.is_alive()
    thread.join(60)
    sql.close()
    assert still_running, f"the heavy query ended early ({outcome})"
    assert ingest_seconds < 2, ingest_seconds
    assert outcome["seconds"] > ingest_seconds + 0.5
