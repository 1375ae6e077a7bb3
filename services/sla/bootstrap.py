"""Composition root of the sla service."""

from __future__ import annotations

from kit.runtime import Service
from kit.settings import Settings
from kit.stores import store_environment
from services.sla.application import SlaApplication


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    app = SlaApplication(env=store_environment("sla", settings))
    return Service("sla", settings, app=app, reaction=app.react, publishes=True)
