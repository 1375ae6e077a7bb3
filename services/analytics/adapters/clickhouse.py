"""ClickHouse access: embedded chDB by default, a server over HTTP by configuration.

Same SQL, same code: clickhouse-connect opens `chdb:///<data_dir>/clickhouse` or the
server URL. chDB has no async client and one process owns a directory, so every call
goes through one lock from worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import clickhouse_connect

from kit.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DATABASE = "mcu"


def dsn_for(settings: Settings) -> str:
    if settings.clickhouse_url:
        return settings.clickhouse_url
    path = (settings.data_dir / "clickhouse").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return f"chdb://{path}"


class ClickHouse:
    def __init__(self, dsn: str):
        self.dsn = dsn
        self.embedded = dsn.startswith("chdb:")
        self._client = clickhouse_connect.get_client(dsn=dsn)
        self._lock = threading.Lock()
        with self._lock:
            self._client.command(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        if self.embedded:  # the server URL names its database; chDB starts in `default`
            first, self._client = self._client, clickhouse_connect.get_client(
                dsn=dsn, database=DATABASE)
            first.close()

    def command(self, sql: str, parameters: dict | None = None, settings: dict | None = None) -> Any:
        with self._lock:
            return self._client.command(sql, parameters=parameters, settings=settings)

    def query(self, sql: str, parameters: dict | None = None,
              settings: dict | None = None) -> tuple[list[str], list[tuple]]:
        with self._lock:
            result = self._client.query(sql, parameters=parameters, settings=settings)
            return list(result.column_names), result.result_rows

    def rows(self, sql: str, parameters: dict | None = None) -> list[dict[str, Any]]:
        names, rows = self.query(sql, parameters)
        return [dict(zip(names, r, strict=True)) for r in rows]

    def insert(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        names = list(rows[0])
        with self._lock:
            self._client.insert(table, [[r[n] for n in names] for r in rows], column_names=names)

    def insert_row_binary(self, table: str, columns: Sequence[str],
                          block: bytes | bytearray) -> None:
        """Insert rows already written in ClickHouse's RowBinary format (bulk loads)."""
        with self._lock:
            self._client.raw_insert(table, list(columns), block, fmt="RowBinary")

    def run_file(self, path: Path, parameters: dict | None = None) -> None:
        """Run every statement of a .sql file with the same bound parameters."""
        for statement in split_statements(path.read_text(encoding="utf-8")):
            self.command(statement, parameters)

    def migrate(self, parameters: dict | None = None) -> list[str]:
        """Apply migration files not yet applied, in order; returns their names. A file may
        bind `parameters` (the deployment's legacy municipality and its region)."""
        self.command("CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String,"
                     " applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version")
        done = {r[0] for r in self.query("SELECT version FROM schema_migrations")[1]}
        applied = []
        for path in sorted(MIGRATIONS.glob("*.sql")):
            version = int(path.name.split("_", 1)[0])
            if version in done:
                continue
            self.run_file(path, parameters or {"legacy": "municipality",
                                               "legacy_region": "region"})
            self.insert("schema_migrations", [{"version": version, "name": path.name}])
            applied.append(path.name)
        return applied

    def drop_all(self) -> None:
        for (name,) in self.query("SELECT name FROM system.tables WHERE database = {db:String}"
                                  " AND engine = 'MaterializedView'", {"db": DATABASE})[1]:
            self.command("DROP VIEW IF EXISTS {name:Identifier}", {"name": name})
        for (name,) in self.query("SELECT name FROM system.tables WHERE database = {db:String}",
                                  {"db": DATABASE})[1]:
            self.command("DROP TABLE IF EXISTS {name:Identifier}", {"name": name})

    def another_connection(self) -> ClickHouse:
        """A second connection to the same engine, for a statement to run beside this one's
        (chDB runs queries of different connections of one process in parallel)."""
        return ClickHouse(self.dsn)

    def close(self) -> None:
        with self._lock:
            self._client.close()


def split_statements(text: str) -> list[str]:
    """Statements of a migration file (no semicolons inside our literals)."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
