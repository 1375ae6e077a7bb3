"""A signed checkpoint: the audit service's word that the log of one partition had `size`
records with this Merkle root at `time`, signed with Ed25519. Its text is what is signed
(one field per line, in the spirit of the transparency logs' signed notes), so anyone
with the public key can check it without the service: printed in the memo, mailed to the
MCU head and the region, it witnesses the log outside the system. The key id names the
key (a rotated key keeps older checkpoints verifiable: each names the key that signed it).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.audit.domain.merkle import HASH_SIZE

FORMAT = "mcu-audit-checkpoint/1"


def key_id(public_key: Ed25519PublicKey) -> str:
    """The first 8 bytes of SHA-256 over the raw public key, in hex."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    origin: str  # the log: topic and partition, e.g. «mcu.appeals.v1/3»
    size: int
    root: bytes
    time: datetime
    key: str  # the id of the key that signed it
    signature: bytes = b""

    def body(self) -> bytes:
        """What is signed: the format, the log, the size, the root, the time, the key."""
        if len(self.root) != HASH_SIZE or self.size < 0 or self.time.tzinfo is None:
            raise ValueError("a checkpoint needs a 32-byte root, a size and an aware time")
        return "\n".join([FORMAT, self.origin, str(self.size),
                          base64.b64encode(self.root).decode(),
                          self.time.isoformat(timespec="milliseconds"), self.key, ""]).encode()

    def signed_by(self, private_key: Ed25519PrivateKey) -> Checkpoint:
        if key_id(private_key.public_key()) != self.key:
            raise ValueError("the checkpoint names another key")
        return Checkpoint(self.origin, self.size, self.root, self.time, self.key,
                          private_key.sign(self.body()))

    def verified_by(self, public_keys: dict[str, Ed25519PublicKey]) -> bool:
        """Whether one of the published keys, the one it names, signed exactly this."""
        public_key = public_keys.get(self.key)
        if public_key is None or len(self.signature) != 64:
            return False
        try:
            public_key.verify(self.signature, self.body())
        except (InvalidSignature, ValueError):
            return False
        return True

    def text(self) -> str:
        """The checkpoint as it is published and witnessed: its body, then the signature."""
        return self.body().decode() + "— " + base64.b64encode(self.signature).decode() + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """A published checkpoint read back (ValueError if it is not one)."""
        lines = text.split("\n")
        if len(lines) < 7 or lines[0] != FORMAT or not lines[6].startswith("— "):
            raise ValueError("это не контрольная точка журнала МЦУ")
        try:
            return cls(lines[1], int(lines[2]), base64.b64decode(lines[3], validate=True),
                       datetime.fromisoformat(lines[4]), lines[5],
                       base64.b64decode(lines[6][2:], validate=True))
        except ValueError as exc:
            raise ValueError(f"контрольная точка повреждена: {exc}") from None


def witness_digest(checkpoints: list[Checkpoint]) -> str:
    """One value a person can compare over a phone line or on paper: SHA-256 over the
    texts of the checkpoints (each partition's latest at a moment), in origin order, as
    64 hex digits in groups of eight. Anyone holding the published checkpoints recomputes
    it; each checkpoint still verifies with the public key on its own."""
    texts = "".join(c.text() for c in sorted(checkpoints, key=lambda c: c.origin))
    digest = hashlib.sha256(texts.encode()).hexdigest()
    return " ".join(digest[i:i + 8] for i in range(0, 64, 8))
