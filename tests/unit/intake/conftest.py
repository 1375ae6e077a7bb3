from datetime import timedelta

import pytest

from kit.privacy import redactor
from kit.clock import FixedClock
from services.intake.application import IntakeApplication
from services.intake.adapters.vault import PersonalDataVault
from services.intake.adapters.vault_storage import SqliteStorage
from tests.support.intake import NOW, http_client, shipped_classifier
from tests.support.routing import deployment as directory_deployment


@pytest.fixture
def intake(tmp_path) -> IntakeApplication:
    return IntakeApplication(redactor=redactor(), classifier=shipped_classifier(), deployment=directory_deployment(),
                             env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                             clock=FixedClock(NOW), vault=PersonalDataVault(SqliteStorage(tmp_path / "vault.db")),
                             repeat_window=timedelta(days=30))


@pytest.fixture
def client(intake):
    return http_client(intake)
