"""The audit service's signing key (MCU_AUDIT_KEY: a PEM file, PKCS#8 Ed25519) and the
public keys checkpoints are verified with: the current key's, and every older one kept as
a `*.pub.pem` file beside it (rotation keeps older checkpoints verifiable)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption,
                                                          PrivateFormat, PublicFormat,
                                                          load_pem_private_key,
                                                          load_pem_public_key)

from services.audit.domain.checkpoint import key_id


class KeyFileError(ValueError):
    pass


def generate(path: Path) -> Ed25519PrivateKey:
    """A new key written to `path` (readable by its owner only) and its public half beside
    it as `<key id>.pub.pem`."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public = key.public_key()
    (path.parent / f"{key_id(public)}.pub.pem").write_bytes(
        public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return key


def load(path: Path) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: ключ подписи не читается ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: нужен ключ Ed25519")
    return key


def public_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """The current key's public half and every older one published beside it."""
    found = {}
    for pem in sorted(path.parent.glob("*.pub.pem")):
        try:
            public = load_pem_public_key(pem.read_bytes())
        except ValueError:
            continue
        if isinstance(public, Ed25519PublicKey):
            found[key_id(public)] = public
    if path.exists():
        current = load(path).public_key()
        found[key_id(current)] = current
    return found
