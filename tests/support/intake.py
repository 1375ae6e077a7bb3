"""Intake test data: a ПОС message with a real-looking author, and an HTTP face on an app."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kit import problems
from services.intake.application import IntakeApplication
from services.intake.channels import ChannelKeys
from services.intake.entrypoints import vault_http
from services.intake.entrypoints.http import router
from tests.support.routing import directory

NOW = datetime(2026, 11, 16, 7, 42, tzinfo=UTC)
AUTHOR = {"esia_id": "1000123456", "last_name": "Иванова", "first_name": "Мария",
          "email": "m.ivanova@example.ru", "phone": "+7 903 123-45-67"}


def pos_message(n: int = 1, **overrides) -> dict:
    return {"id": f"POS-{n}", "category": "Уличное освещение", "text": "Не горит фонарь у школы",
            "address": "ул. Школьная, 7, кв. 12", "municipality": "Почтовское сельское поселение",
            "point": {"lat": 47.581234, "lon": 41.095678}, "attachments": ["https://x/1.jpg"],
            "author": AUTHOR, "created_at": NOW.isoformat()} | overrides


def http_client(app: IntakeApplication) -> TestClient:
    api = FastAPI()
    problems.install(api)
    api.include_router(router(app, ChannelKeys()))
    api.include_router(vault_http.router(app.vault, directory()))
    return TestClient(api)
