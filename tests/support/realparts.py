"""The real parts tests need: testcontainers where a Docker engine runs, else the dev stack.

These machines have no Docker engine, so CI uses the broker and database that the
project starts itself (`kit.devstack`). Nothing is skipped: if neither can be had,
the fixture fails loudly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001 - no engine, no socket, no permission: all "no"
        return False


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    admin_db: str = "postgres"


@contextlib.contextmanager
def kafka() -> Iterator[str]:
    if docker_available():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    from kit.devstack.stack import DevStack

    yield DevStack().kafka.up()


@contextlib.contextmanager
def postgres() -> Iterator[PostgresServer]:
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16") as container:
            yield PostgresServer(container.get_container_host_ip(),
                                 int(container.get_exposed_port(5432)),
                                 container.username, container.password)
        return
    from kit.devstack.stack import DevStack

    stack = DevStack().postgres
    stack.up()
    yield PostgresServer("127.0.0.1", stack.port, stack.user, "")
