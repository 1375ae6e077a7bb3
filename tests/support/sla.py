"""An SLA application on the shipped policy, calendars and directory (its zone and people)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kit.clock import Clock
from kit.directory import Directory, load_directory
from services.sla.adapters import calendar_file, policy_file
from kit.deployment import single
from services.sla.application import SlaApplication, Tenant
from services.sla.domain.terms import TermCalculator


def shipped_directory() -> Directory:
    return load_directory()[0]


def shipped_policy(directory: Directory | None = None) -> policy_file.LoadedPolicy:
    zone = ZoneInfo((directory or shipped_directory()).timezone)
    return policy_file.load(policy_file.SHIPPED_POLICY, zone)


def sla_app(clock: Clock, env: dict | None = None,
            directory: Directory | None = None) -> SlaApplication:
    """On one municipality (the shipped demo's first, or `directory`)."""
    directory = directory or shipped_directory()
    loaded = shipped_policy(directory)
    tenant = Tenant(TermCalculator(calendar_file.shipped(), loaded.schedule), loaded.policy,
                    directory, loaded.data)
    return SlaApplication(env=env or {"PERSISTENCE_MODULE": "eventsourcing.popo"},
                          deployment=single(directory, {}), tenants={directory.id: tenant},
                          clock=clock)
