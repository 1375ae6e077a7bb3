"""Channel credentials: every channel calls intake with an API key of its own."""

from __future__ import annotations

import hashlib
import hmac

from contracts.vocabulary import Channel
from kit.settings import ConfigError


class ChannelKeys:
    """Keys as SHA-256 digests per channel (`MCU_INTAKE_API_KEYS="pos=…,open311=…"` holds
    the keys themselves; without it each channel accepts its demo key `demo-<channel>`)."""

    def __init__(self, configured: str = ""):
        keys = configured_keys(configured)
        self._digests = {c: hashlib.sha256(k.encode()).hexdigest() for c, k in keys.items()}

    def channel_of(self, key: str | None) -> Channel | None:
        if not key:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        return next((c for c, d in self._digests.items() if hmac.compare_digest(d, digest)), None)


def configured_keys(configured: str = "") -> dict[Channel, str]:
    """The keys of `MCU_INTAKE_API_KEYS` by channel (the demo keys when it is empty)."""
    pairs = [p.partition("=") for p in configured.split(",") if p.strip()]
    if not pairs:
        return {c: f"demo-{c.value}" for c in Channel}
    known = {c.value: c for c in Channel}
    keys = {}
    for channel, _, key in pairs:
        channel, key = channel.strip(), key.strip()
        if channel not in known:
            raise ConfigError(f"MCU_INTAKE_API_KEYS: неизвестный канал «{channel}»; каналы: "
                              + ", ".join(known))
        if not key:
            raise ConfigError(f"MCU_INTAKE_API_KEYS: у канала «{channel}» пустой ключ"
                              " (формат: канал=ключ,канал=ключ)")
        keys[known[channel]] = key
    return keys
