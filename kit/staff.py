"""Who calls a staff HTTP door: the directory's person named by `Authorization: Bearer
<token>` (only the token's SHA-256 is in the directory), and what their roles allow.
Every service that serves staff (routing, SLA, analytics, the intake vault) asks here."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contracts.vocabulary import Role
from kit import demo
from pathlib import Path

from kit.deployment import (SHIPPED_DEPLOYMENT, Deployment, LiveDeployment, load_deployment,
                            single)
from kit.directory import SHIPPED_DIRECTORY, Directory, Person, load_directory
from kit.problems import Problem, send_problem
from kit.reference_files import named_by
from kit.settings import ConfigError, Settings


def read_directory(settings: Settings) -> tuple[Directory, dict]:
    """The deployment's directory (`MCU_ROUTING_DIRECTORY`, else the shipped demo) and its
    data as read; a missing or broken file is a ConfigError naming the setting. Only read:
    for a door, `deployment_of` also refuses demo tokens outside demo mode."""
    path = settings.routing_directory or SHIPPED_DIRECTORY
    with named_by("MCU_ROUTING_DIRECTORY", path):
        return load_directory(path)


def read_deployment(settings: Settings) -> Deployment:
    """The deployment's tree: `MCU_DEPLOYMENT`; else one municipality of
    `MCU_ROUTING_DIRECTORY` (its autorules and policy from their own settings); else the
    shipped demo deployment. A missing or broken file is a ConfigError naming the setting."""
    singles = [name for name, value in (
        ("MCU_ROUTING_DIRECTORY", settings.routing_directory),
        ("MCU_ROUTING_AUTORULES", settings.routing_autorules),
        ("MCU_SLA_POLICY", settings.sla_policy)) if value is not None]
    if settings.deployment is not None:
        if singles:
            raise ConfigError(f"{', '.join(singles)} задан вместе с MCU_DEPLOYMENT: в "
                              "развёртывании справочник, автоправила и политику сроков "
                              "каждого муниципалитета называет файл развёртывания")
        with named_by("MCU_DEPLOYMENT", settings.deployment):
            return load_deployment(settings.deployment)
    if singles:
        directory, data = read_directory(settings)
        return single(directory, data, settings.routing_autorules, settings.sla_policy)
    return load_deployment(SHIPPED_DEPLOYMENT)


def deployment_of(settings: Settings) -> LiveDeployment:
    """The deployment for a service's staff doors, as it stands now (`fresh_deployment`),
    held so that a reload swaps it for everyone (kit.deployment.LiveDeployment)."""
    return LiveDeployment(fresh_deployment(settings))


def deployment_files(settings: Settings, deployment: Deployment) -> list[Path]:
    """The files the deployment was read from: the deployment file and each directory
    (a deployment of one municipality: its directory file)."""
    if deployment.source is None:
        return [settings.routing_directory or SHIPPED_DIRECTORY]
    return [deployment.source, *(m.directory_file for m in deployment.municipalities.values()
                                 if m.directory_file is not None)]


def fresh_deployment(settings: Settings) -> Deployment:
    """The deployment read from its files: outside demo mode the shipped demo deployment
    and demo tokens are refused, naming the setting."""
    deployment = read_deployment(settings)
    if deployment.source is None:  # one municipality of its directory
        path, shipped = settings.routing_directory or SHIPPED_DIRECTORY, SHIPPED_DIRECTORY
    else:
        path, shipped = settings.deployment or SHIPPED_DEPLOYMENT, SHIPPED_DEPLOYMENT
    demo.check_directory(settings, path, shipped,
                         ((p.id, p.token_sha256) for p in deployment.people.values()))
    return deployment


# the OpenAPI security scheme: /docs offers "Authorize" for the staff token
_BEARER = HTTPBearer(auto_error=False, scheme_name="staffToken",
                     description="Токен сотрудника из справочника (в демо: demo-<id>)")


def caller(directory: Directory | Deployment) -> Callable[..., Person]:
    """A FastAPI dependency: the calling person (of the directory or anywhere in the
    deployment), or 401 `unauthorized`."""

    def person(credentials: Annotated[HTTPAuthorizationCredentials | None,
                                      Depends(_BEARER)]) -> Person:
        token = credentials.credentials.strip() if credentials else ""
        found = directory.person_by_token(token) if token else None
        if found is None:
            raise Problem(401, "unauthorized", "Требуется вход",
                          "Передайте заголовок Authorization: Bearer <токен сотрудника>")
        if found.token_expired(datetime.now(UTC).date()):
            raise Problem(401, "token_expired", "Срок действия токена истёк",
                          f"Токен действовал по {found.token_expires:%d.%m.%Y}: попросите"
                          " администратора выпустить новый (mcu staff token)")
        return found

    return person


def require_role(person: Person, allowed: Collection[Role]) -> Role:
    """The person's role that allows this (the first in `allowed` order), else 403
    `forbidden_role`."""
    granting = [r for r in allowed if r in person.roles]
    if not granting:
        roles = ", ".join(sorted(r.value for r in person.roles))
        raise Problem(403, "forbidden_role", "Недостаточно прав",
                      f"Роли «{roles}» не дают доступа к этой операции")
    return granting[0]


class StaffTokenFirst:
    """ASGI layer: a request that would send a body to a staff door (POST, PUT, PATCH
    under `prefix`) without a token of the directory gets 401 before a byte of it is
    parsed; the door's own dependency still decides (expiry, roles)."""

    def __init__(self, app, directory: Directory | Deployment, prefix: str = "/api/v1/"):
        self.app = app
        self.directory = directory
        self.prefix = prefix

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH")
                and scope["path"].startswith(self.prefix)
                and self.directory.person_by_token(_bearer(scope)) is None):
            await send_problem(send, 401, "unauthorized", "Требуется вход",
                               "Передайте заголовок Authorization: Bearer <токен сотрудника>",
                               scope["path"])
            return
        await self.app(scope, receive, send)


def _bearer(scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return ""
