"""Composition root of the intake service."""

from __future__ import annotations

from datetime import timedelta

from kit.reference_files import named_by
from kit.runtime import Service
from kit.settings import ConfigError, Settings
from kit.staff import directory_of
from kit.stores import store_environment
from services.intake.adapters.routing_scope import RoutingScope
from services.intake.application import IntakeApplication
from services.intake.classification import rubricator
from services.intake.classification.model import AppealClassifier, ModelFileError
from services.intake.classification.registration import RegistrationClassifier
from services.intake.channels import ChannelKeys
from services.intake.entrypoints import vault_http
from services.intake.entrypoints.http import router
from services.intake.vault import PersonalDataVault
from services.intake.vault_storage import PostgresStorage, SqliteStorage


def registration_classifier(settings: Settings) -> RegistrationClassifier:
    """The administrator's rubricator, and the learned model when one is configured."""
    path = settings.intake_rubricator or rubricator.DEFAULT_FILE
    with named_by("MCU_INTAKE_RUBRICATOR", path):
        rules = rubricator.load(path)
    try:
        model = AppealClassifier.load(settings.intake_model) if settings.intake_model else None
    except ModelFileError as exc:
        raise ConfigError(f"MCU_INTAKE_MODEL: {exc}") from None
    return RegistrationClassifier(rules, model)


def open_vault(settings: Settings) -> PersonalDataVault:
    """The personal-data vault of this deployment (the service and `mcu intake vault`):
    in the PostgreSQL database when the stores are there, else a SQLite file."""
    if settings.store == "postgres":
        storage = PostgresStorage(settings.postgres_host, settings.postgres_port,
                                  settings.postgres_db, settings.postgres_user,
                                  settings.postgres_password)
    else:
        storage = SqliteStorage(settings.data_dir / "intake-vault.sqlite")
    return PersonalDataVault(storage, settings.vault_secret.encode() or None)


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    vault = open_vault(settings)
    app = IntakeApplication(env=store_environment("intake", settings), vault=vault,
                            repeat_window=timedelta(days=settings.repeat_window_days),
                            classifier=registration_classifier(settings))
    return Service("intake", settings, app=app, reaction=app.react, publishes=True,
                   routers=[router(app, ChannelKeys(settings.intake_api_keys)),
                            vault_http.router(vault, directory_of(settings),
                                             RoutingScope(settings.routing_address))],
                   title_ru="МЦУ: приём обращений", on_close=vault.close,
                   http_workers_allowed=True)
