"""The personal-data vault of the intake service (152-ФЗ).

Name, contacts and exact address of an applicant never leave intake: events carry a
pseudonymous applicant id and a coarse location. Each applicant's data is encrypted with
an AES-GCM key of their own, stored wrapped (RFC 3394) by the deployment's key-encryption
key, which never lies beside it: a copy of the database alone opens nothing. Erasing an
applicant's key makes every record of that person unreadable (crypto-shredding), and their
ciphertexts are deleted with it. The same person gets the same pseudonym (an HMAC of their
normalised identity is the lookup key, so no identity is stored in clear); the vault
remembers the fingerprints of its HMAC secret and key-encryption key and refuses others,
which would silently change every pseudonym or open no key. Every read, and every refused
one, is logged with who and why. Where the tables live is vault_storage's concern.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from services.intake.adapters.vault_storage import VaultStorage


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
    # the appeal's own wording where masking changed it (names, documents in the text)
    original_subject: str | None = None
    original_text: str | None = None

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
        return not any(vars(self).values())


class VaultError(Exception):
    code = "vault_error"


class VaultKeyMismatch(ValueError):
    """The configured secret or key-encryption key is not the one this vault was made with."""


class PersonalDataVault:
    def __init__(self, storage: VaultStorage, secret: bytes | None = None,
                 kek: bytes | None = None):
        """`secret`, `kek`: the deployment's; None (demo mode only) makes them up and keeps
        them in the vault itself."""
        self._db = storage  # every write is insert-or-keep or idempotent: no lock needed
        self._secret = secret or self._stored("hmac", os.urandom(32))
        self._kek = kek or self._stored("kek", AESGCM.generate_key(bit_length=256))
        self._check_fingerprint("hmac_fingerprint", self._secret, "MCU_VAULT_SECRET")
        self._check_fingerprint("kek_fingerprint", self._kek, "MCU_VAULT_KEK")
        self._wrap_plain_keys()

    def _stored(self, name: str, candidate: bytes) -> bytes:
        # Insert-or-keep, then read: several processes opening the vault agree on one value.
        self._db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT DO NOTHING",
                         (name, candidate))
        [(value,)] = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,))
        return bytes(value)

    def _check_fingerprint(self, name: str, secret: bytes, variable: str) -> None:
        fingerprint = hmac.new(secret, b"mcu-vault-fingerprint", hashlib.sha256).hexdigest()[:16]
        if self._stored(name, fingerprint.encode()).decode() != fingerprint:
            raise VaultKeyMismatch(
                f"{variable} не тот, с которым создано хранилище персональных данных (отпечаток"
                f" {fingerprint} вместо записанного): с ним "
                + ("псевдонимы заявителей изменились бы" if name == "hmac_fingerprint"
                   else "ключи заявителей не открываются"))

    def _wrap_plain_keys(self) -> None:
        """Keys stored before they were wrapped (32 bytes in clear) are wrapped now, once."""
        plain = [(a, bytes(k)) for a, k in self._db.execute(
            "SELECT applicant_id, key FROM applicant_keys") if len(k) == 32]
        if plain:
            with self._db.transaction():
                self._db.executemany("UPDATE applicant_keys SET key = ? WHERE applicant_id = ?",
                                     [(self._wrap(k), a) for a, k in plain])

    def _wrap(self, key: bytes) -> bytes:
        return aes_key_wrap(self._kek, key)

    def _unwrap(self, wrapped: bytes) -> bytes:
        return aes_key_unwrap(self._kek, bytes(wrapped))

    def link_key(self, purpose: str) -> bytes:
        """A key for signing the applicants' links (`purpose`: what they open), derived from
        the vault's secret: the secret itself never leaves the vault."""
        return hmac.new(self._secret, f"mcu-link:{purpose}".encode(), hashlib.sha256).digest()

    def pseudonym(self, applicant: Applicant) -> uuid.UUID:
        """The applicant's stable pseudonymous id (a new one for an unidentifiable person)."""
        lookups = [self._lookup(applicant)]
        return self._claim_ids(lookups, *self._known_ids(lookups))[0]

    def store(self, applicant_id: uuid.UUID, appeal_id: uuid.UUID, applicant: Applicant) -> None:
        """Keep the person's data for this appeal, encrypted with their own key."""
        self._keep([appeal_id], [applicant], [None], [applicant_id], {applicant_id})

    def keep(self, applicants: dict[uuid.UUID, Applicant]) -> dict[uuid.UUID, uuid.UUID]:
        """Pseudonym and record of each appeal's applicant in ONE transaction (a
        registration batch: a few statements for all, not five per applicant); returns the
        pseudonym per appeal."""
        people = list(applicants.values())
        lookups = [self._lookup(p) for p in people]
        ids = self._keep(list(applicants), people, lookups, *self._known_ids(lookups))
        return dict(zip(applicants, ids, strict=True))

    def _keep(self, appeals: list[uuid.UUID], people: list[Applicant], lookups: list[str | None],
              guessed: list[uuid.UUID], new_ids: set[uuid.UUID]) -> list[uuid.UUID]:
        """Records sealed before the transaction, with the pseudonyms and keys the vault
        already holds (new ones for new people); inside it only the inserts, and whatever
        another process settled meanwhile sealed again. The transaction holds the vault's
        one write lock, which the other HTTP processes wait for: hashing and encrypting
        there made them wait for it."""
        keys, new_keys = self._known_keys(guessed)
        plain = [json.dumps(vars(p)).encode() for p in people]
        sealed = [self._seal(keys[i], a, text) for i, a, text in zip(guessed, appeals, plain)]
        with self._db.transaction():
            ids = self._claim_ids(lookups, guessed, new_ids)
            held = self._claim_keys(ids, keys, new_keys)
            now = datetime.now(UTC).isoformat()
            rows = []
            for n, (applicant_id, appeal_id) in enumerate(zip(ids, appeals, strict=True)):
                key = held[applicant_id]
                if key != keys.get(guessed[n]):  # another process was first: its key holds
                    sealed[n] = self._seal(key, appeal_id, plain[n])
                rows.append((str(appeal_id), str(applicant_id), *sealed[n], now))
            self._db.executemany(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
        return ids

    def _lookup(self, applicant: Applicant) -> str | None:
        """The HMAC of the person's identity: finds their pseudonym, reveals nothing."""
        identity = applicant.identity()
        return None if identity is None else hmac.new(
            self._secret, identity.encode(), hashlib.sha256).hexdigest()

    def _known_ids(self, lookups: list[str | None]) -> tuple[list[uuid.UUID], set[uuid.UUID]]:
        """The pseudonyms held for these people, and new ones for the others (returned
        apart too: not yet stored)."""
        found = self._select("SELECT lookup, applicant_id FROM identities WHERE lookup IN",
                             list(dict.fromkeys(k for k in lookups if k is not None)))
        new: dict[str | None, uuid.UUID] = {}  # one new pseudonym per new person in the batch
        ids = [uuid.UUID(found[k]) if k in found else
               new.setdefault(k or uuid.uuid4().hex, uuid.uuid4()) for k in lookups]
        return ids, set(new.values())

    def _claim_ids(self, lookups: list[str | None], guessed: list[uuid.UUID],
                   new_ids: set[uuid.UUID]) -> list[uuid.UUID]:
        """Insert-or-keep, then read: processes racing on one person agree on one id. A
        pseudonym read before is never written back: if the person was erased meanwhile,
        a later appeal of theirs starts afresh, unlinked."""
        self._db.executemany("INSERT INTO identities VALUES (?, ?) ON CONFLICT DO NOTHING", [
            (k, str(i if i in new_ids else uuid.uuid4()))
            for k, i in dict.fromkeys(zip(lookups, guessed)) if k is not None])
        found = self._select("SELECT lookup, applicant_id FROM identities WHERE lookup IN",
                             list(dict.fromkeys(k for k in lookups if k is not None)))
        return [guess if k is None else uuid.UUID(found[k])
                for k, guess in zip(lookups, guessed, strict=True)]

    def _known_keys(self, people: list[uuid.UUID]) -> tuple[dict[uuid.UUID, bytes], set[uuid.UUID]]:
        """The keys held for these pseudonyms, and new ones for the others (whose
        pseudonyms are returned apart too: not yet stored)."""
        found = self._select("SELECT applicant_id, key FROM applicant_keys WHERE applicant_id IN",
                             list(dict.fromkeys(str(p) for p in people)))
        keys = {p: self._unwrap(found[str(p)]) if str(p) in found
                else AESGCM.generate_key(bit_length=256) for p in people}
        return keys, {p for p in keys if str(p) not in found}

    def _claim_keys(self, people: list[uuid.UUID], keys: dict[uuid.UUID, bytes],
                    new_keys: set[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        """Insert-or-keep, then read: the key each person's records are sealed with. A key
        read before is never written back: an erased key stays erased."""
        now = datetime.now(UTC).isoformat()
        self._db.executemany(
            "INSERT INTO applicant_keys VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(str(p), self._wrap(keys[p] if p in new_keys
                                 else AESGCM.generate_key(bit_length=256)), now)
             for p in dict.fromkeys(people)])
        found = self._select("SELECT applicant_id, key FROM applicant_keys WHERE applicant_id IN",
                             list(dict.fromkeys(str(p) for p in people)))
        return {p: self._unwrap(found[str(p)]) for p in people}

    @staticmethod
    def _seal(key: bytes, appeal_id: uuid.UUID, plain: bytes) -> tuple[bytes, bytes]:
        """The record's nonce and ciphertext, bound to its appeal."""
        nonce = os.urandom(12)
        return nonce, AESGCM(key).encrypt(nonce, plain, str(appeal_id).encode())

    def _select(self, query: str, values: list[str]) -> dict:
        """`query` ends with `IN`: the rows for `values`, first column -> second."""
        found = {}
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            found.update(self._db.execute(f"{query} ({','.join('?' * len(chunk))})",
                                          tuple(chunk)))
        return found

    def read(self, appeal_id: uuid.UUID, who: str, why: str) -> Applicant | None:
        """The applicant of an appeal; the read is logged. None once erased."""
        found = self.read_with_pseudonym(appeal_id, who, why)
        return found[1] if found else None

    def read_with_pseudonym(self, appeal_id: uuid.UUID, who: str, why: str
                            ) -> tuple[uuid.UUID, Applicant] | None:
        """The applicant of an appeal and their pseudonym, in one lookup; logged."""
        if not who.strip() or not why.strip():
            raise VaultError("укажите, кто и зачем читает персональные данные")
        rows = self._db.execute(
            "SELECT r.applicant_id, r.nonce, r.ciphertext, k.key FROM records r "
            "LEFT JOIN applicant_keys k USING (applicant_id) WHERE r.appeal_id = ?",
            (str(appeal_id),))
        row = rows[0] if rows else None
        self._log(who, why, "read", row[0] if row else None, appeal_id)
        if row is None or row[3] is None:
            return None
        plain = AESGCM(self._unwrap(row[3])).decrypt(row[1], row[2], str(appeal_id).encode())
        return uuid.UUID(row[0]), Applicant(**json.loads(plain))

    def refuse(self, who: str, why: str, appeal_id: uuid.UUID | None = None,
               applicant_id: uuid.UUID | None = None) -> None:
        """Log an attempt that was refused (nothing read or erased): who tried, on what,
        with the reason they gave, even a blank one."""
        self._log(who, why, "refused", applicant_id, appeal_id)

    def applicant_of(self, appeal_id: uuid.UUID) -> uuid.UUID | None:
        """The pseudonym of an appeal's applicant (no personal data: not logged)."""
        rows = self._db.execute("SELECT applicant_id FROM records WHERE appeal_id = ?",
                                (str(appeal_id),))
        return uuid.UUID(rows[0][0]) if rows else None

    def erase(self, applicant_id: uuid.UUID, who: str, why: str) -> int:
        """Destroy the applicant's key, data and identity link; returns how many appeals
        it covered."""
        if not who.strip() or not why.strip():
            raise VaultError("укажите, кто и зачем удаляет персональные данные")
        with self._db.transaction():  # erased and logged together, or neither
            [(count,)] = self._db.execute(
                "SELECT count(*) FROM records WHERE applicant_id = ?", (str(applicant_id),))
            for table in ("applicant_keys", "records", "identities"):
                # identities too: a later appeal of theirs starts afresh, unlinked
                self._db.execute(f"DELETE FROM {table} WHERE applicant_id = ?",
                                 (str(applicant_id),))
            self._log(who, why, "erase", str(applicant_id), None)
        return count

    def access_log(self, limit: int = 100) -> list[dict]:
        rows = self._db.execute("SELECT at, who, why, action, applicant_id, appeal_id FROM "
                                f"access_log ORDER BY {self._db.log_order} DESC LIMIT ?",
                                (limit,))
        return [dict(zip(("at", "who", "why", "action", "applicant_id", "appeal_id"), r,
                         strict=True)) for r in rows]

    def _log(self, who: str, why: str, action: str, applicant_id, appeal_id) -> None:
        self._db.execute("INSERT INTO access_log (at, who, why, action, applicant_id, appeal_id)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         (datetime.now(UTC).isoformat(), who, why, action,
                          applicant_id and str(applicant_id), appeal_id and str(appeal_id)))

    def close(self) -> None:
        self._db.close()
