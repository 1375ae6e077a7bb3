"""Composition root of the intake service."""

from __future__ import annotations

from datetime import timedelta

from kit.runtime import Service
from kit.settings import Settings
from kit.stores import store_environment
from services.intake.application import IntakeApplication
from services.intake.channels import ChannelKeys
from services.intake.entrypoints.http import router
from services.intake.vault import PersonalDataVault


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    vault = PersonalDataVault(settings.data_dir / "intake-vault.sqlite",
                              settings.vault_secret.encode() if settings.vault_secret else None)
    app = IntakeApplication(env=store_environment("intake", settings), vault=vault,
                            repeat_window=timedelta(days=settings.repeat_window_days))
    return Service("intake", settings, app=app, reaction=app.react, publishes=True,
                   routers=[router(app, ChannelKeys(settings.intake_api_keys))],
                   title_ru="МЦУ: приём обращений", on_close=vault.close)
