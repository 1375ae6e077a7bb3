"""`mcu staff`: the staff directory's credentials, issued by its administrator.

A token is shown once and only its SHA-256 is written into the directory file (the file's
comments and order kept), with the day after which it opens no door. The services read
the directory at start: restart them after issuing or revoking a token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from cli.common import fail

staff = typer.Typer(help="Сотрудники: выпуск и отзыв токенов доступа", no_args_is_help=True)


def _load(path: Path):
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: the administrator's comments and layout stay
    yaml.preserve_quotes = True
    try:
        return yaml, yaml.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"не удалось прочитать справочник {path}: {exc.strerror}")


def _person(data, person_id: str, path: Path):
    for person in data.get("people") or []:
        if person.get("id") == person_id:
            return person
    fail(f"в справочнике {path} нет сотрудника {person_id}")


def _save(yaml, data, path: Path) -> None:
    from kit.directory import parse_directory
    from kit.reference_files import ReferenceFileError

    try:
        parse_directory(data, str(path))  # never write a directory the services would refuse
    except ReferenceFileError as exc:
        fail(str(exc))
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


@staff.command("token")
def token(person_id: str = typer.Argument(..., help="Идентификатор сотрудника в справочнике"),
          directory: Path = typer.Option(..., help="Файл справочника (MCU_ROUTING_DIRECTORY)"),
          days: int = typer.Option(90, min=1, max=730, help="Срок действия, дней")) -> None:
    """Выпустить новый токен сотрудника (прежний перестаёт действовать)."""
    yaml, data = _load(directory)
    person = _person(data, person_id, directory)
    value = secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=days)).date()
    person["token_sha256"] = hashlib.sha256(value.encode()).hexdigest()
    person["token_expires"] = expires
    _save(yaml, data, directory)
    typer.echo(f"Токен сотрудника {person_id} (действует по {expires:%d.%m.%Y}; показан один"
               " раз, в справочнике только его хеш):")
    typer.echo(value)
    typer.echo("Перезапустите сервисы, чтобы они прочитали справочник.", err=True)


@staff.command("revoke")
def revoke(person_id: str = typer.Argument(..., help="Идентификатор сотрудника"),
           directory: Path = typer.Option(..., help="Файл справочника")) -> None:
    """Отозвать токен сотрудника."""
    yaml, data = _load(directory)
    person = _person(data, person_id, directory)
    person.pop("token_sha256", None)
    person.pop("token_expires", None)
    _save(yaml, data, directory)
    typer.echo(f"Токен сотрудника {person_id} отозван; перезапустите сервисы.")
