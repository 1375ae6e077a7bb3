"""Composition root of the routing service."""

from __future__ import annotations

from kit.runtime import Service
from kit.settings import Settings
from kit.stores import store_environment
from services.routing.application import RoutingApplication


def build(settings: Settings | None = None) -> Service:
    settings = settings or Settings()
    app = RoutingApplication(env=store_environment("routing", settings))
    return Service("routing", settings, app=app, reaction=app.react, publishes=True)
