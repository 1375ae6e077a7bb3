"""Fixtures for the real parts. Unit tests use none of them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kit.directory import SHIPPED_DIRECTORY
from kit.settings import Settings
from tests.support import realparts

# The tests run on the shipped demo directory, channel keys and made-up vault secrets:
# demo mode, as `make run` sets it (services refuse them otherwise; tested explicitly).
os.environ.setdefault("MCU_DEMO", "true")
# Most tests are about one municipality: the demo deployment's first, Константиновский район,
# as a deployment of its directory alone. The tests of the regional deployment itself set
# MCU_DEPLOYMENT and remove this (tests/support/tenancy.py).
os.environ.setdefault("MCU_ROUTING_DIRECTORY", str(SHIPPED_DIRECTORY))


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    with realparts.kafka() as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[realparts.PostgresServer]:
    with realparts.postgres() as server:
        yield server


@pytest.fixture
def log_topic() -> str:
    """A fresh log topic per test, so tests never see each other's events."""
    return f"mcu.appeals.test-{uuid.uuid4().hex[:10]}"


def _postgres_database(server: realparts.PostgresServer) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host=server.host, port=server.port, user=server.user,
                         password=server.password or None, dbname=server.admin_db,
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path, kafka_bootstrap: str,
                   log_topic: str) -> Settings:
    """Settings for one test on a fresh store of each kind: SQLite files or a new database."""
    base = Settings(kafka_bootstrap=kafka_bootstrap, log_topic=log_topic, log_partitions=3,
                    data_dir=tmp_path, consumer_batch_size=200, consumer_batch_timeout_ms=100)
    if request.param == "sqlite":
        return base
    server = request.getfixturevalue("postgres_server")
    return base.model_copy(update={
        "store": "postgres", "postgres_host": server.host, "postgres_port": server.port,
        "postgres_user": server.user, "postgres_password": server.password,
        "postgres_db": _postgres_database(server),
    })


@pytest.fixture(autouse=True)
def _clickhouse_only_when_marked(request: pytest.FixtureRequest, monkeypatch) -> None:
    """A test that touches the embedded engine says so (`pytest.mark.chdb`); one that
    does without the marker fails at its first query (as snuba blocks its database)."""
    if request.node.get_closest_marker("chdb") is not None:
        return
    from services.analytics.adapters.clickhouse import ClickHouse

    def refused(*args, **kwargs):
        raise AssertionError("this test uses ClickHouse: mark it with pytest.mark.chdb")

    for method in ("command", "query", "insert", "insert_row_binary"):
        monkeypatch.setattr(ClickHouse, method, refused)
