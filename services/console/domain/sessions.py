"""Signed-in staff: a session per sign-in, found by a random id in an HttpOnly cookie, with
an idle expiry and its own CSRF token. Pure: `now` is given; ids come from `secrets`.

The session keeps the person's staff token, so every call the console makes to a service
goes as that person (the services enforce access; the console keeps no copy of the rules).
Only the session id leaves the server; the token never reaches the browser.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class Session:
    id: str
    person_id: str
    name: str
    token: str
    csrf: str
    municipality: str | None
    municipality_name: str
    timezone: str
    roles: frozenset[str]
    organization: str | None
    last_seen: datetime

    def csrf_ok(self, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(self.csrf, offered or "")


class SessionBook:
    """The sessions of this console process (a restart signs everyone out: they sign in
    again; nothing of a session is stored on disk, the staff token least of all)."""

    def __init__(self, idle: timedelta):
        self.idle = idle
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, now: datetime, **person) -> Session:
        session = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32),
                          last_seen=now, **person)
        with self._lock:
            self._expire(now)
            self._sessions[session.id] = session
        return session

    def find(self, session_id: str | None, now: datetime) -> Session | None:
        """The live session of this id, touched; None when unknown or idle too long."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > self.idle:
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def close(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _expire(self, now: datetime) -> None:
        for sid in [s.id for s in self._sessions.values() if now - s.last_seen > self.idle]:
            del self._sessions[sid]
