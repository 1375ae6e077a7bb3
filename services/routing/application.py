"""The routing service's event-sourced application."""

from __future__ import annotations

from contracts import Envelope
from kit.consumer import UnitOfWork
from kit.stores import ServiceApplication


class RoutingApplication(ServiceApplication):
    name = "routing"

    def react(self, envelope: Envelope, unit: UnitOfWork) -> None:
        """Reaction to one log event; consumed positions are tracked even when idle."""
