"""The dev stack as one object: where it lives and how to bring it up and down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kit.devstack.kafka import PROJECT_ROOT, KafkaStack
from kit.devstack.gateway import GatewayStack
from kit.devstack.mailbox import MailboxStack
from kit.devstack.postgres import PostgresStack


@dataclass(frozen=True)
class DevStack:
    root: Path = PROJECT_ROOT

    @property
    def kafka(self) -> KafkaStack:
        return KafkaStack(cache_dir=self.root / ".cache", run_dir=self.root / "var" / "devstack" / "kafka")

    @property
    def postgres(self) -> PostgresStack:
        return PostgresStack(run_dir=self.root / "var" / "devstack" / "postgres")

    @property
    def gateway(self) -> GatewayStack:
        return GatewayStack(run_dir=self.root / "var" / "devstack" / "gateway")

    @property
    def mailbox(self) -> MailboxStack:
        return MailboxStack(run_dir=self.root / "var" / "devstack" / "mail")
