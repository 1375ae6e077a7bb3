"""Where the personal-data vault keeps its tables: a SQLite file (default) or a schema of
its own in PostgreSQL (MCU_STORE=postgres, so production data live in the backed-up
database, not in a container's file). One SQL text for both: `?` placeholders, portable
`ON CONFLICT DO NOTHING`; the adapters differ only in types and connection handling."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value {blob} NOT NULL);
CREATE TABLE IF NOT EXISTS identities (lookup TEXT PRIMARY KEY, applicant_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applicant_keys (applicant_id TEXT PRIMARY KEY, key {blob} NOT NULL,
                                           created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (appeal_id TEXT PRIMARY KEY, applicant_id TEXT NOT NULL,
                                    nonce {blob} NOT NULL, ciphertext {blob} NOT NULL,
                                    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_applicant ON records (applicant_id);
CREATE TABLE IF NOT EXISTS access_log (at TEXT NOT NULL, who TEXT NOT NULL, why TEXT NOT NULL,
                                       action TEXT NOT NULL, applicant_id TEXT,
                                       appeal_id TEXT{log_id});
"""


class VaultStorage(Protocol):
    log_order: str  # the column that orders the access log (newest last)

    def execute(self, sql: str, params: tuple = ()) -> list[tuple[Any, ...]]: ...

    def executemany(self, sql: str, rows: list[tuple]) -> None: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """This thread's statements inside commit together (one commit for a batch)."""

    def close(self) -> None: ...


class SqliteStorage:
    log_order = "rowid"

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # an erased key or record is overwritten with zeros, not left in free pages
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_TABLES.format(blob="BLOB", log_id=""))
        self._lock = threading.RLock()  # held through a transaction by its thread

    def execute(self, sql: str, params: tuple = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        with self._lock:
            self._db.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


class PostgresStorage:
    """Tables in schema `intake_vault` of the deployment's database; a small pool, each
    statement in autocommit unless a transaction pins this thread's connection."""

    log_order = "id"
    SCHEMA = "intake_vault"

    def __init__(self, host: str, port: int, dbname: str, user: str, password: str):
        import psycopg
        from psycopg_pool import ConnectionPool

        conninfo = psycopg.conninfo.make_conninfo(
            host=host, port=port, dbname=dbname, user=user, password=password or None,
            connect_timeout=10, options=f"-c search_path={self.SCHEMA}")
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, open=True,
                                    kwargs={"autocommit": True})
        self._pinned = threading.local()  # the connection of this thread's transaction
        with self._pool.connection() as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.SCHEMA}")
            for statement in _TABLES.format(
                    blob="BYTEA", log_id=", id BIGINT GENERATED ALWAYS AS IDENTITY").split(";"):
                if statement.strip():
                    conn.execute(statement)

    def _connection(self) -> contextlib.AbstractContextManager:
        """This thread's transaction's connection if it has one, else one from the pool."""
        pinned = getattr(self._pinned, "conn", None)
        return contextlib.nullcontext(pinned) if pinned else self._pool.connection()

    def execute(self, sql: str, params: tuple = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            cursor = conn.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if not rows:
            return
        with self._connection() as conn:
            conn.cursor().executemany(sql.replace("?", "%s"), rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._pool.connection() as conn, conn.transaction():
            self._pinned.conn = conn
            try:
                yield
            finally:
                self._pinned.conn = None

    def close(self) -> None:
        self._pool.close()
