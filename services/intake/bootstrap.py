"""Composition root of the intake service."""

from __future__ import annotations

from kit.runtime import Service
from kit.settings import Settings
from kit.stores import store_environment
from services.intake.application import IntakeApplication
from services.intake.entrypoints.http import router


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    app = IntakeApplication(env=store_environment("intake", settings))
    return Service("intake", settings, app=app, publishes=True, routers=[router(app)],
                   title_ru="МЦУ: приём обращений")
