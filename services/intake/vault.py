"""The personal-data vault of the intake service (152-ФЗ).

Name, contacts and exact address of an applicant never leave intake: events carry a
pseudonymous applicant id and a coarse location. Each applicant's data is encrypted with
an AES-GCM key of their own, kept apart; erasing the key makes every record of that
person unreadable (crypto-shredding), and their ciphertexts are deleted with it. The same
person gets the same pseudonym (an HMAC of their normalised identity is the lookup key,
so no identity is stored in clear). Every read is logged with who and why.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS identities (lookup TEXT PRIMARY KEY, applicant_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applicant_keys (applicant_id TEXT PRIMARY KEY, key BLOB NOT NULL,
                                           created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (appeal_id TEXT PRIMARY KEY, applicant_id TEXT NOT NULL,
                                    nonce BLOB NOT NULL, ciphertext BLOB NOT NULL,
                                    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_applicant ON records (applicant_id);
CREATE TABLE IF NOT EXISTS access_log (at TEXT NOT NULL, who TEXT NOT NULL, why TEXT NOT NULL,
                                       action TEXT NOT NULL, applicant_id TEXT,
                                       appeal_id TEXT);
"""


@dataclass(frozen=True)
class Applicant:
    """What identifies and reaches a person; all of it stays in the vault."""

    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    email: str | None = None
    phone: str | None = None
    esia_id: str | None = None
    address: str | None = None  # exact address of the applicant or of the problem

    def identity(self) -> str | None:
        """The strongest identifier available, normalised (ЕСИА, e-mail, phone)."""
        if self.esia_id:
            return f"esia:{self.esia_id.strip()}"
        if self.email:
            return f"email:{self.email.strip().lower()}"
        if self.phone:
            digits = "".join(c for c in self.phone if c.isdigit())[-10:]
            return f"phone:{digits}" if len(digits) == 10 else None
        return None

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


class VaultError(Exception):
    code = "vault_error"


class PersonalDataVault:
    def __init__(self, path: Path, secret: bytes | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._secret = secret or self._stored_secret()

    def _stored_secret(self) -> bytes:
        # Insert-or-keep, then read: several processes opening the vault agree on one secret.
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('hmac', ?)", (os.urandom(32),))
        return self._db.execute("SELECT value FROM meta WHERE name = 'hmac'").fetchone()[0]

    def pseudonym(self, applicant: Applicant) -> uuid.UUID:
        """The applicant's stable pseudonymous id (a new one for an unidentifiable person)."""
        identity = applicant.identity()
        if identity is None:
            return uuid.uuid4()
        lookup = hmac.new(self._secret, identity.encode(), hashlib.sha256).hexdigest()
        with self._lock:  # insert-or-keep, then read: processes racing agree on one id
            self._db.execute("INSERT OR IGNORE INTO identities VALUES (?, ?)",
                             (lookup, str(uuid.uuid4())))
            row = self._db.execute("SELECT applicant_id FROM identities WHERE lookup = ?",
                                   (lookup,)).fetchone()
            return uuid.UUID(row[0])

    def store(self, applicant_id: uuid.UUID, appeal_id: uuid.UUID, applicant: Applicant) -> None:
        """Keep the person's data for this appeal, encrypted with their own key."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO applicant_keys VALUES (?, ?, ?)",
                             (str(applicant_id), AESGCM.generate_key(bit_length=256), now))
            key = self._db.execute("SELECT key FROM applicant_keys WHERE applicant_id = ?",
                                   (str(applicant_id),)).fetchone()[0]
            nonce = os.urandom(12)
            ciphertext = AESGCM(key).encrypt(nonce, json.dumps(asdict(applicant)).encode(),
                                             str(appeal_id).encode())
            self._db.execute("INSERT OR IGNORE INTO records VALUES (?, ?, ?, ?, ?)",
                             (str(appeal_id), str(applicant_id), nonce, ciphertext, now))

    def read(self, appeal_id: uuid.UUID, who: str, why: str) -> Applicant | None:
        """The applicant of an appeal; the read is logged. None once erased."""
        if not who.strip() or not why.strip():
            raise VaultError("укажите, кто и зачем читает персональные данные")
        with self._lock:
            row = self._db.execute(
                "SELECT r.applicant_id, r.nonce, r.ciphertext, k.key FROM records r "
                "LEFT JOIN applicant_keys k USING (applicant_id) WHERE r.appeal_id = ?",
                (str(appeal_id),)).fetchone()
            self._log(who, why, "read", row[0] if row else None, appeal_id)
        if row is None or row[3] is None:
            return None
        plain = AESGCM(row[3]).decrypt(row[1], row[2], str(appeal_id).encode())
        return Applicant(**json.loads(plain))

    def applicant_of(self, appeal_id: uuid.UUID) -> uuid.UUID | None:
        """The pseudonym of an appeal's applicant (no personal data: not logged)."""
        with self._lock:
            row = self._db.execute("SELECT applicant_id FROM records WHERE appeal_id = ?",
                                   (str(appeal_id),)).fetchone()
        return uuid.UUID(row[0]) if row else None

    def erase(self, applicant_id: uuid.UUID, who: str, why: str) -> int:
        """Destroy the applicant's key and data; returns how many appeals it covered."""
        if not who.strip() or not why.strip():
            raise VaultError("укажите, кто и зачем удаляет персональные данные")
        with self._lock:
            count = self._db.execute("SELECT count(*) FROM records WHERE applicant_id = ?",
                                     (str(applicant_id),)).fetchone()[0]
            self._db.execute("DELETE FROM applicant_keys WHERE applicant_id = ?",
                             (str(applicant_id),))
            self._db.execute("DELETE FROM records WHERE applicant_id = ?", (str(applicant_id),))
            self._log(who, why, "erase", str(applicant_id), None)
        return count

    def access_log(self, limit: int = 100) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT at, who, why, action, applicant_id, appeal_id FROM "
                                    "access_log ORDER BY rowid DESC LIMIT ?", (limit,)).fetchall()
        return [dict(zip(("at", "who", "why", "action", "applicant_id", "appeal_id"), r,
                         strict=True)) for r in rows]

    def _log(self, who: str, why: str, action: str, applicant_id, appeal_id) -> None:
        self._db.execute("INSERT INTO access_log VALUES (?, ?, ?, ?, ?, ?)",
                         (datetime.now(UTC).isoformat(), who, why, action,
                          applicant_id and str(applicant_id), appeal_id and str(appeal_id)))

    def close(self) -> None:
        self._db.close()
