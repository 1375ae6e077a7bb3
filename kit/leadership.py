"""One follower of a store at a time: when two processes of a service share a PostgreSQL
store (scale-out), only the holder of a session advisory lock relays its events or sends
its notices; the lock goes with the holder's connection, so when that process dies the
other takes over within a poll. A SQLite store belongs to one process: always held.

Within one process the followers of one name share one lock (`acquire`): a follower
replaced after a fault, before the old one was closed, goes on leading."""

from __future__ import annotations

import hashlib
import logging
import threading

log = logging.getLogger("mcu.leadership")
_shared: dict[tuple, tuple[Leadership, int]] = {}  # (store, name) -> the lock, its users
_guard = threading.Lock()


def acquire(env: dict[str, str], name: str) -> Leadership:
    """The process's lock for this store and name (one per process, counted)."""
    key = (env.get("PERSISTENCE_MODULE"), env.get("POSTGRES_HOST"), env.get("POSTGRES_PORT"),
           env.get("POSTGRES_DBNAME"), name)
    with _guard:
        found, users = _shared.get(key, (None, 0))
        if found is None:
            found = Leadership(env, name)
            found._key = key
        _shared[key] = (found, users + 1)
        return found


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Leadership:
    def __init__(self, env: dict[str, str], name: str):
        self.env = env
        self.name = name
        self.shared = env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        self._connection = None
        self._holding = False

    def held(self) -> bool:
        """Whether this process may follow now (tries to take the lock if not yet held);
        a lost connection loses the lock and is tried again next time."""
        if not self.shared:
            return True
        try:
            if self._connection is None or self._connection.closed:
                self._connection = self._connect()
                self._holding = False
            if self._holding:
                self._connection.execute("SELECT 1")  # still alive: still ours
                return True
            self._holding = self._connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (lock_key(self.name),)).fetchone()[0]
            if self._holding:
                log.info("leading", extra={"component": self.name})
            return self._holding
        except Exception as exc:  # noqa: BLE001 - no store: nobody leads from here now
            log.warning("leadership unknown", extra={"component": self.name,
                                                     "error_code": type(exc).__name__})
            self._drop()
            return False

    def release(self) -> None:
        """One user fewer; the last one lets the lock go."""
        with _guard:
            found, users = _shared.get(getattr(self, "_key", None), (None, 0))
            if found is self and users > 1:
                _shared[self._key] = (self, users - 1)
                return
            _shared.pop(getattr(self, "_key", None), None)
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001
                pass
        self._connection, self._holding = None, False

    def _connect(self):
        import psycopg

        e = self.env
        return psycopg.connect(host=e["POSTGRES_HOST"], port=int(e["POSTGRES_PORT"]),
                               dbname=e["POSTGRES_DBNAME"], user=e["POSTGRES_USER"],
                               password=e.get("POSTGRES_PASSWORD", ""), autocommit=True,
                               connect_timeout=int(e.get("POSTGRES_CONNECT_TIMEOUT", "10")))
