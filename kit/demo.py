"""Demo mode: the shipped credentials open doors only where a deployment says it is a demo.

The repository ships a demo directory whose every token is `demo-<id>`, demo channel keys
`demo-<channel>` and a vault that makes up its own secrets. Anyone who has read the
repository knows them, so outside demo mode (`MCU_DEMO=true`, which `make run`, the tests
and the benchmarks set) a service refuses to start on any of them, naming the setting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from kit.settings import ConfigError, Settings

DEMO_HINT = "или включите демо-режим MCU_DEMO=true (только для демонстрации)"
MIN_SECRET_LENGTH = 16


def demo_token_sha256(person_id: str) -> str:
    """The digest of a person's shipped demo token."""
    return hashlib.sha256(f"demo-{person_id}".encode()).hexdigest()


def check_directory(settings: Settings, path: Path, shipped: Path,
                    tokens: Iterable[tuple[str, str | None]]) -> None:
    """Outside demo mode: not the shipped directory, and no person with a demo token."""
    if settings.demo:
        return
    if path.resolve() == shipped.resolve():
        raise ConfigError("MCU_DEPLOYMENT не задан: встроенное развёртывание —"
                          " демонстрационное (вымышленные сотрудники с известными"
                          " токенами). Укажите файл развёртывания (MCU_DEPLOYMENT) или"
                          " справочник одного муниципалитета (MCU_ROUTING_DIRECTORY) "
                          + DEMO_HINT)
    demo = sorted(pid for pid, digest in tokens if digest == demo_token_sha256(pid))
    if demo:
        raise ConfigError(f"справочник {path}: у сотрудников {', '.join(demo[:5])}"
                          f"{' и других' if len(demo) > 5 else ''} демо-токены «demo-<id>»:"
                          " выпустите настоящие (mcu staff token <id> --directory ФАЙЛ) "
                          + DEMO_HINT)


def check_channel_keys(settings: Settings, keys: Mapping[str, str]) -> None:
    """Outside demo mode: every channel's key configured, none a demo key, none short."""
    if settings.demo:
        return
    if not settings.intake_api_keys.strip():
        raise ConfigError("MCU_INTAKE_API_KEYS не задан: без него каналы принимают"
                          " демо-ключи «demo-<канал>». Задайте ключи (канал=ключ,…) "
                          + DEMO_HINT)
    weak = sorted(c for c, k in keys.items()
                  if k == f"demo-{c}" or len(k) < MIN_SECRET_LENGTH)
    if weak:
        raise ConfigError(f"MCU_INTAKE_API_KEYS: ключи каналов {', '.join(weak)} —"
                          f" демо-ключи или короче {MIN_SECRET_LENGTH} символов; создайте"
                          " случайные (например, python -c 'import secrets;"
                          " print(secrets.token_urlsafe(32))') " + DEMO_HINT)


def check_secret(settings: Settings, variable: str, value: str, purpose: str) -> None:
    """Outside demo mode a secret must be configured (a made-up one would be stored
    beside what it protects)."""
    if settings.demo:
        return
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{variable}: {purpose} обязателен вне демо-режима (не короче"
                          f" {MIN_SECRET_LENGTH} символов; создать: mcu intake vault"
                          " new-secret) " + DEMO_HINT)
