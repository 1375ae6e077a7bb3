"""The audit service's store (SQLite): every record's place and digest as it committed to
them, and the signed checkpoints. It is evidence only through the checkpoints: verification
believes it where it rebuilds their signed roots (services.audit.domain.verify)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from services.audit.domain.checkpoint import Checkpoint
from services.audit.domain.verify import Kept

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    partition INTEGER NOT NULL, seq INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    content BLOB NOT NULL, appeal_id TEXT, PRIMARY KEY (partition, seq));
CREATE INDEX IF NOT EXISTS records_by_appeal ON records (appeal_id);
CREATE TABLE IF NOT EXISTS nodes (
    partition INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL,
    hash BLOB NOT NULL, PRIMARY KEY (partition, level, idx));
CREATE TABLE IF NOT EXISTS witnessed (
    until TEXT PRIMARY KEY, sent_at TEXT NOT NULL, recipients INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS reads (
    read_at TEXT NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL, appeal_id TEXT NOT NULL,
    moment TEXT NOT NULL, what TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
    origin TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL, time TEXT NOT NULL,
    key TEXT NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (origin, size));
"""

Row = tuple[int, int, int, bytes, str | None]  # partition, seq, offset, content, appeal
NodeRow = tuple[int, int, int, bytes]  # partition, level, index, hash (a perfect subtree)


class AuditStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(checkpoints)")}
        if "published" not in columns:  # a store from before the checkpoints' topic
            self._db.execute("ALTER TABLE checkpoints ADD COLUMN published INTEGER NOT NULL "
                             "DEFAULT 0")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def commit(self, rows: list[Row], checkpoints: list[Checkpoint],
               nodes: list[NodeRow] = ()) -> None:
        """A batch's records, the subtrees they completed and the checkpoints over them,
        in one transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany('INSERT INTO records (partition, seq, "offset", content,'
                                     ' appeal_id) VALUES (?, ?, ?, ?, ?)', rows)
                self._db.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?)", nodes)
                self._db.executemany(
                    "INSERT INTO checkpoints (origin, size, root, time, key, signature) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(c.origin, c.size, c.root, c.time.isoformat(), c.key, c.signature)
                     for c in checkpoints])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def next_offsets(self) -> dict[int, int]:
        """Per partition, the offset after the last record committed to."""
        with self._lock:
            rows = self._db.execute('SELECT partition, MAX("offset") FROM records '
                                    "GROUP BY partition").fetchall()
        return {p: o + 1 for p, o in rows}

    def kept(self, partition: int) -> list[Kept]:
        with self._lock:
            rows = self._db.execute('SELECT "offset", content, appeal_id FROM records '
                                    "WHERE partition = ? ORDER BY seq", (partition,))
            return [Kept(o, bytes(c), a) for o, c, a in rows.fetchall()]

    def node(self, partition: int, level: int, index: int) -> bytes | None:
        """A perfect subtree's hash (level ≥ 1) as kept; level 0: the record's leaf parts
        are in `records` (services.audit.domain.record.leaf)."""
        with self._lock:
            row = self._db.execute("SELECT hash FROM nodes WHERE partition = ? AND level = ?"
                                   " AND idx = ?", (partition, level, index)).fetchone()
        return bytes(row[0]) if row else None

    def record_at(self, partition: int, seq: int) -> tuple[int, bytes] | None:
        """The offset and digest committed to as leaf `seq` of the partition."""
        with self._lock:
            row = self._db.execute('SELECT "offset", content FROM records WHERE partition = ?'
                                   " AND seq = ?", (partition, seq)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def size(self, partition: int) -> int:
        """How many records of the partition were committed to (its tree's size)."""
        with self._lock:
            found = self._db.execute("SELECT MAX(seq) FROM records WHERE partition = ?",
                                     (partition,)).fetchone()[0]
        return 0 if found is None else found + 1

    def node_count(self, partition: int) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM nodes WHERE partition = ?",
                                    (partition,)).fetchone()[0]

    def places_of(self, appeal_id: str) -> list[tuple[int, int, int, bytes]]:
        """The appeal's records as committed to: partition, seq, offset, digest."""
        with self._lock:
            rows = self._db.execute('SELECT partition, seq, "offset", content FROM records '
                                    "WHERE appeal_id = ? ORDER BY partition, seq",
                                    (appeal_id,)).fetchall()
        return [(p, s, o, bytes(c)) for p, s, o, c in rows]

    def partitions(self) -> list[int]:
        with self._lock:
            return [p for (p,) in self._db.execute(
                "SELECT DISTINCT partition FROM records ORDER BY partition")]

    def log_read(self, who: str, role: str, appeal_id: str, moment: datetime,
                 what: str) -> None:
        """An auditor read an appeal's audit (`what`: history, dossier.pdf, …) as it
        stood at `moment`."""
        with self._lock:
            self._db.execute("INSERT INTO reads VALUES (?, ?, ?, ?, ?, ?)", (
                datetime.now(UTC).isoformat(timespec="milliseconds"), who, role, appeal_id,
                moment.isoformat(), what))

    def witnessed(self, until: datetime) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM witnessed WHERE until = ?",
                                    (until.isoformat(),)).fetchone() is not None

    def record_witness(self, until: datetime, recipients: int) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO witnessed VALUES (?, ?, ?)", (
                until.isoformat(), datetime.now(UTC).isoformat(timespec="seconds"),
                recipients))

    def reads(self, limit: int = 100) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT read_at, who, role, appeal_id, moment, what FROM "
                                    "reads ORDER BY rowid DESC LIMIT ?", (limit,)).fetchall()
        return [dict(zip(("read_at", "who", "role", "appeal_id", "moment", "what"), r))
                for r in rows]

    def latest_checkpoints(self, topic: str) -> list[Checkpoint]:
        """Per partition of `topic`, its checkpoints from the largest down (the first whose
        signature holds is the one to prove under), at most a few each."""
        with self._lock:
            rows = self._db.execute(
                "SELECT origin, size, root, time, key, signature FROM (SELECT *, ROW_NUMBER()"
                " OVER (PARTITION BY origin ORDER BY size DESC) AS n FROM checkpoints WHERE "
                "origin LIKE ? ESCAPE '\\') WHERE n <= 8 ORDER BY origin, size DESC",
                (topic.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                 + "/%",)).fetchall()
        return [Checkpoint(o, s, bytes(r), datetime.fromisoformat(t), k, bytes(g))
                for o, s, r, t, k, g in rows]

    def unpublished(self, limit: int = 500) -> list[Checkpoint]:
        """Checkpoints not yet on their topic, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT origin, size, root, time, key, signature FROM "
                                    "checkpoints WHERE published = 0 ORDER BY rowid LIMIT ?",
                                    (limit,)).fetchall()
        return [Checkpoint(o, s, bytes(r), datetime.fromisoformat(t), k, bytes(g))
                for o, s, r, t, k, g in rows]

    def mark_published(self, checkpoints: list[Checkpoint]) -> None:
        with self._lock:
            self._db.executemany("UPDATE checkpoints SET published = 1 WHERE origin = ? AND "
                                 "size = ?", [(c.origin, c.size) for c in checkpoints])

    def checkpoints_until(self, moment: datetime) -> list[Checkpoint]:
        """Per partition, the latest checkpoint signed at or before `moment` (what a
        witness of that moment holds)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT origin, size, root, time, key, signature FROM (SELECT *, ROW_NUMBER()"
                " OVER (PARTITION BY origin ORDER BY size DESC) AS n FROM checkpoints WHERE "
                "time <= ?) WHERE n = 1 ORDER BY origin",
                (moment.astimezone(UTC).isoformat(),)).fetchall()
        return [Checkpoint(o, s, bytes(r), datetime.fromisoformat(t), k, bytes(g))
                for o, s, r, t, k, g in rows]

    def checkpoints(self) -> list[Checkpoint]:
        with self._lock:
            rows = self._db.execute("SELECT origin, size, root, time, key, signature FROM "
                                    "checkpoints ORDER BY origin, size").fetchall()
        return [Checkpoint(o, s, bytes(r), datetime.fromisoformat(t), k, bytes(g))
                for o, s, r, t, k, g in rows]
